import { consulDuration, parseDurationMs, parseDurationRange } from './duration';

test('parseDurationMs', () => {
  expect(parseDurationMs('500ms', 'x')).toBe(500);
  expect(parseDurationMs('2s', 'x')).toBe(2000);
  expect(parseDurationMs('1.5s', 'x')).toBe(1500);
  expect(parseDurationMs('1m', 'x')).toBe(60_000);
  expect(parseDurationMs('3', 'x')).toBe(3000);
  expect(() => parseDurationMs('soon', '--interval')).toThrow(/--interval.*"soon"/);
  expect(() => parseDurationMs('-1s', '--interval')).toThrow();
});

test('parseDurationRange', () => {
  expect(parseDurationRange('5-10s', 'r')).toEqual([5000, 10000]);
  expect(parseDurationRange('7s', 'r')).toEqual([7000, 7000]);
  expect(parseDurationRange('0', 'r')).toEqual([0, 0]);
  expect(() => parseDurationRange('10-5s', 'r')).toThrow(/min > max/);
});

test('consulDuration', () => {
  expect(consulDuration(2000)).toBe('2s');
  expect(consulDuration(1500)).toBe('1500ms');
});
