import fc from 'fast-check';
import { UsageError } from './errors';
import { parseIntInRange } from './numbers';

test('whole numbers within the range; anything else one line naming what, value and range', () => {
  expect(parseIntInRange('3', '--n', { min: 1, max: 10 })).toBe(3);
  expect(parseIntInRange(10, '--n', { min: 1, max: 10 })).toBe(10);
  for (const v of ['0', '11', '1.5', '1e3', '', 'x', '-1', '9'.repeat(30)]) {
    expect(() => parseIntInRange(v, '--n', { min: 1, max: 10 })).toThrow(/^--n: expected a whole number from 1 to 10, got "/);
  }
});

test('property: result is a safe integer within the range, or a UsageError', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.nat().map(String), fc.double().map(String)), fc.nat(1000), fc.nat(1000), (v, a, b) => {
      const [min, max] = a <= b ? [a, b] : [b, a];
      try {
        const n = parseIntInRange(v, 'n', { min, max });
        expect(Number.isSafeInteger(n) && n >= min && n <= max).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
      }
    }),
  );
});
