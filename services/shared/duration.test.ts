import fc from 'fast-check';
import { MAX_TIMER_MS, consulDuration, formatDuration, parseDurationMs, parseDurationRange } from './duration';
import { UsageError } from './errors';

test('parseDurationMs', () => {
  expect(parseDurationMs('500ms', 'x')).toBe(500);
  expect(parseDurationMs('2s', 'x')).toBe(2000);
  expect(parseDurationMs('1.5s', 'x')).toBe(1500);
  expect(parseDurationMs('1m', 'x')).toBe(60_000);
  expect(parseDurationMs('1h', 'x')).toBe(3_600_000);
  expect(parseDurationMs('3', 'x')).toBe(3000);
  expect(() => parseDurationMs('soon', '--interval')).toThrow(/--interval.*"soon"/);
  expect(() => parseDurationMs('-1s', '--interval')).toThrow();
});

test('values a Node timer cannot honour are refused, naming what, the value and the limit', () => {
  // Before: "30d"-style values in ms/s/m passed and became a 1 ms timer.
  expect(parseDurationMs(`${MAX_TIMER_MS}ms`, 'x')).toBe(MAX_TIMER_MS);
  for (const v of [`${MAX_TIMER_MS + 1}ms`, '100000000s', '999999m', '1000h', '9'.repeat(400)]) {
    expect(() => parseDurationMs(v, '--drain-delay')).toThrow(UsageError);
    expect(() => parseDurationMs(v, '--drain-delay')).toThrow(
      /^--drain-delay: ".*" is out of range \(allowed: 0s to 2147483647ms \(~24\.8 days/,
    );
  }
});

test('an explicit range: one line naming what, the value and the range', () => {
  const r = { minMs: 1000, maxMs: 300_000 };
  expect(parseDurationMs('1s', 'w', r)).toBe(1000);
  expect(parseDurationMs('5m', 'w', r)).toBe(300_000);
  expect(() => parseDurationMs('0', '--check-interval', r)).toThrow('--check-interval: "0" is out of range (allowed: 1s to 5m)');
  expect(() => parseDurationMs('999ms', 'w', r)).toThrow(/"999ms" is out of range/);
  expect(() => parseDurationMs('301s', 'w', r)).toThrow(/"301s" is out of range \(allowed: 1s to 5m\)/);
  // zeroAllowed: 0 means off, other values below the minimum are still refused.
  const z = { ...r, zeroAllowed: true };
  expect(parseDurationMs('0', 'w', z)).toBe(0);
  expect(() => parseDurationMs('1ms', 'w', z)).toThrow('w: "1ms" is out of range (allowed: 0 (off) or 1s to 5m)');
});

test('parseDurationRange', () => {
  expect(parseDurationRange('5-10s', 'r')).toEqual([5000, 10000]);
  expect(parseDurationRange('7s', 'r')).toEqual([7000, 7000]);
  expect(parseDurationRange('0', 'r')).toEqual([0, 0]);
  expect(() => parseDurationRange('10-5s', 'r')).toThrow(/min > max/);
  expect(() => parseDurationRange('1-30000000m', 'r')).toThrow(/"30000000m" is out of range/);
  const z = { minMs: 1000, zeroAllowed: true };
  expect(parseDurationRange('0', 'r', z)).toEqual([0, 0]);
  expect(() => parseDurationRange('0-10s', 'r', z)).toThrow(/out of range/);
  expect(() => parseDurationRange('soon', 'r')).toThrow(/^r: expected a duration .*"soon"/);
});

test('consulDuration / formatDuration', () => {
  expect(consulDuration(2000)).toBe('2s');
  expect(consulDuration(1500)).toBe('1500ms');
  expect(formatDuration(300_000)).toBe('5m');
  expect(formatDuration(0)).toBe('0s');
  expect(formatDuration(7_200_000)).toBe('2h');
});

describe('properties', () => {
  const noThrowButUsage = (f: () => unknown): void => {
    try {
      f();
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      // one line, and bounded even for a huge input
      expect(err.message).not.toMatch(/\n/);
      expect(err.message.length).toBeLessThan(300);
    }
  };

  test('never returns a value a timer cannot honour; garbage is a UsageError, never another exception', () => {
    const durationish = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc
        .tuple(
          fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e30, noNaN: true }), fc.maxSafeNat()),
          fc.constantFrom('', 'ms', 's', 'm', 'h', 'd', ' s'),
        )
        .map(([n, u]) => `${n}${u}`),
      fc.stringMatching(/^\s*\d{1,30}(\.\d{1,10})?\s*(ms|s|m|h)?\s*$/),
    );
    fc.assert(
      fc.property(durationish, (v) => {
        let ms: number | undefined;
        noThrowButUsage(() => (ms = parseDurationMs(v, 'p')));
        if (ms !== undefined) {
          expect(Number.isSafeInteger(ms)).toBe(true);
          expect(ms).toBeGreaterThanOrEqual(0);
          expect(ms).toBeLessThanOrEqual(MAX_TIMER_MS);
        }
        let r: [number, number] | undefined;
        noThrowButUsage(() => (r = parseDurationRange(v, 'p')));
        if (r) expect(r[0] <= r[1] && r[1] <= MAX_TIMER_MS).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('round-trips consulDuration for every value a timer can honour', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_TIMER_MS }), (ms) => {
        expect(parseDurationMs(consulDuration(ms), 'p')).toBe(ms);
        expect(parseDurationMs(formatDuration(ms), 'p')).toBe(ms);
      }),
    );
  });

  test('anything within the range is accepted, anything outside refused naming what and value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_TIMER_MS }),
        fc.integer({ min: 0, max: MAX_TIMER_MS }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (a, b, ms) => {
          const [minMs, maxMs] = a <= b ? [a, b] : [b, a];
          const v = `${ms}ms`;
          if (ms >= minMs && ms <= maxMs) expect(parseDurationMs(v, 'what', { minMs, maxMs })).toBe(ms);
          else expect(() => parseDurationMs(v, 'what', { minMs, maxMs })).toThrow(new RegExp(`^what: "${v}" is out of range`));
        },
      ),
    );
  });
});
