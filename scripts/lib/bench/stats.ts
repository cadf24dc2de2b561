/**
 * The benchmark's statistics. Percentiles use the nearest-rank method: p95 is the smallest value that at
 * least 95 % of the trials are at or below. With 10 trials that is the worst trial, with 3 trials too:
 * a deliberately conservative reading of a small sample (no interpolation between trials that never happened).
 */

/** Nearest-rank percentile (p in 0..100) of `values`; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be within 0..100, got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export interface Distribution {
  n: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
}

export function distribution(values: readonly number[]): Distribution {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

/** part / total as a fraction 0..1; 0 when there is nothing to divide (and the caller warns). */
export function rate(part: number, total: number): number {
  return total > 0 ? part / total : 0;
}

/** The median of a few samples (memory readings): robust to one outlier. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
