import { UsageError } from './errors';

/**
 * The longest delay Node's timers honour: setTimeout/setInterval store it as a signed 32-bit number, and a
 * larger value is silently replaced by 1 ms (with only a TimeoutOverflowWarning). A "30d" drain delay or
 * interval would so fire at once: every duration we accept must stay at or below this.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Bounds for a duration, in ms, both inclusive. */
export interface DurationRange {
  minMs?: number;
  maxMs?: number;
  /**
   * Accept 0 even when it is below `minMs`: for settings where 0 means "never" / "off" (e.g. a re-register
   * interval), while other small values (a 1 ms poll) are refused.
   */
  zeroAllowed?: boolean;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SYNTAX = 'a duration like 500ms, 2s, 1m or 1h';

/** A duration as a person writes it, in the largest unit that divides it exactly (`5m`, `1500ms`). */
export function formatDuration(ms: number): string {
  if (ms !== 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function describeRange(range: DurationRange | undefined): string {
  const lo = Math.max(0, range?.minMs ?? 0);
  const hi = Math.min(MAX_TIMER_MS, range?.maxMs ?? MAX_TIMER_MS);
  const hiText = hi === MAX_TIMER_MS ? `${MAX_TIMER_MS}ms (~24.8 days, the longest timer Node can run)` : formatDuration(hi);
  const zero = range?.zeroAllowed && lo > 0 ? '0 (off) or ' : '';
  return `${zero}${formatDuration(lo)} to ${hiText}`;
}

function checkRange(ms: number, shown: string, what: string, range: DurationRange | undefined): number {
  if (!Number.isFinite(ms) || !Number.isSafeInteger(ms)) {
    throw new UsageError(`${what}: ${shown} is out of range (allowed: ${describeRange(range)})`);
  }
  if (ms === 0 && range?.zeroAllowed) return 0;
  const lo = Math.max(0, range?.minMs ?? 0);
  const hi = Math.min(MAX_TIMER_MS, range?.maxMs ?? MAX_TIMER_MS);
  if (ms < lo || ms > hi) throw new UsageError(`${what}: ${shown} is out of range (allowed: ${describeRange(range)})`);
  return ms;
}

/** The value in ms, unchecked: undefined for bad syntax. Fractions of a millisecond round to the nearest. */
function parseRaw(value: string, defaultUnit: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2] ?? defaultUnit]!);
}

/** The value quoted for a message: JSON-escaped (a newline in it must not break the one line), and cut short. */
function quote(value: string): string {
  // A 200 kB "duration" must not become a 200 kB error line.
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/**
 * `500ms`, `2s`, `1.5s`, `1m`, `1h`, or a bare number of seconds (`2`), as Consul writes durations.
 * Always refuses what a Node timer cannot honour (above MAX_TIMER_MS, non-finite), and whatever is outside
 * `range`, with a one-line UsageError naming `what`, the value and the allowed range.
 */
export function parseDurationMs(value: string, what: string, range?: DurationRange): number {
  const text = String(value);
  const ms = parseRaw(text, 's');
  if (ms === undefined) throw new UsageError(`${what}: expected ${SYNTAX}, got ${quote(text)}`);
  return checkRange(ms, quote(text.trim()), what, range);
}

/** Consul's duration syntax for a number of milliseconds (`1500ms`, `2s`). */
export function consulDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * `5-10s` or `7s` → [min, max] ms; `0` → [0, 0] (never). Both ends are checked against `range` (and the
 * timer limit) as parseDurationMs does.
 */
export function parseDurationRange(value: string, what: string, range?: DurationRange): [number, number] {
  const text = String(value);
  const m = /^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (m) {
    const unit = m[3] ?? 's';
    // Each end is checked on its own with its unit, so a message names the end that is out of range.
    const lo = parseDurationMs(m[1] + unit, what, range);
    const hi = parseDurationMs(m[2] + unit, what, range);
    if (lo > hi) throw new UsageError(`${what}: range ${quote(text.trim())} has min > max`);
    if (lo === 0 && hi > 0 && range?.zeroAllowed && (range.minMs ?? 0) > 0) {
      // 0 means "off" only on its own; "0-10s" would mix off with on.
      throw new UsageError(`${what}: ${quote(text.trim())} is out of range (allowed: ${describeRange(range)})`);
    }
    return [lo, hi];
  }
  if (parseRaw(text, 's') === undefined) {
    throw new UsageError(`${what}: expected ${SYNTAX}, or a range like 5-10s, got ${quote(text)}`);
  }
  const d = parseDurationMs(text, what, range);
  return [d, d];
}
