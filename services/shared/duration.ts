import { UsageError } from './errors';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** `500ms`, `2s`, `1.5s`, `1m`, or a bare number of seconds (`2`), as Consul writes durations. */
export function parseDurationMs(value: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(value);
  if (!m) throw new UsageError(`${what}: expected a duration like 500ms, 2s or 1m, got "${value}"`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 's']!);
}

/** Consul's duration syntax for a number of milliseconds (`1500ms`, `2s`). */
export function consulDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** `5-10s` or `7s` → [min, max] ms; `0` → [0, 0] (never). */
export function parseDurationRange(value: string, what: string): [number, number] {
  const m = /^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(value);
  if (m) {
    const unit = m[3] ?? 's';
    const lo = parseDurationMs(m[1] + unit, what);
    const hi = parseDurationMs(m[2] + unit, what);
    if (lo > hi) throw new UsageError(`${what}: range "${value}" has min > max`);
    return [lo, hi];
  }
  const d = parseDurationMs(value, what);
  return [d, d];
}
