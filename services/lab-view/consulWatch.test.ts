import { nextIndex } from './consulWatch';

test('X-Consul-Index: moves forward; resets to 0 when it goes back, is 0, or is not a number', () => {
  expect(nextIndex(0n, '42')).toBe(42n);
  expect(nextIndex(42n, '42')).toBe(42n);
  expect(nextIndex(42n, '7')).toBe(0n);
  expect(nextIndex(42n, '0')).toBe(0n);
  expect(nextIndex(42n, undefined)).toBe(0n);
  expect(nextIndex(42n, 'abc')).toBe(0n);
  expect(nextIndex(0n, ['43'])).toBe(43n);
  expect(nextIndex(0n, '18446744073709551615')).toBe(18446744073709551615n);
});
