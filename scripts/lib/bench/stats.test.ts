import { distribution, median, percentile, rate } from './stats';

describe('percentile (nearest rank)', () => {
  test('p50 and p95 of ten trials: the 5th value and the worst one', () => {
    const ten = [900, 100, 800, 200, 700, 300, 600, 400, 500, 1000];
    expect(percentile(ten, 50)).toBe(500);
    expect(percentile(ten, 95)).toBe(1000);
    expect(percentile(ten, 90)).toBe(900);
  });
  test('three trials (a quick run): p50 is the median, p95 the worst', () => {
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentile([3, 1, 2], 95)).toBe(3);
  });
  test('twenty trials: p95 is the 19th value, not the worst', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(twenty, 95)).toBe(19);
  });
  test('p0 is the minimum, p100 the maximum; one value is every percentile', () => {
    expect(percentile([5, 9, 7], 0)).toBe(5);
    expect(percentile([5, 9, 7], 100)).toBe(9);
    expect(percentile([42], 50)).toBe(42);
  });
  test('an empty list has no percentile; p outside 0..100 is a bug', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
  test("does not reorder the caller's array", () => {
    const xs = [3, 1, 2];
    percentile(xs, 50);
    expect(xs).toEqual([3, 1, 2]);
  });
});

test('distribution', () => {
  expect(distribution([1200, 800, 1000])).toEqual({ n: 3, p50: 1000, p95: 1200, min: 800, max: 1200 });
});

test('rate: a fraction, 0 when nothing was measured', () => {
  expect(rate(999, 1000)).toBeCloseTo(0.999);
  expect(rate(0, 0)).toBe(0);
});

test('median of memory samples', () => {
  expect(median([10, 30, 20])).toBe(20);
  expect(median([10, 20])).toBe(15);
  expect(median([])).toBeNaN();
});
