import { UsageError } from './errors';

export interface IntRange {
  min: number;
  max: number;
}

/**
 * A whole number within [min, max], from a flag, env var or config value. Anything else (a fraction, an
 * exponent, digits past the safe-integer range, garbage) is a one-line UsageError naming `what`, the value
 * and the allowed range, so a count can never reach a loop or timer as NaN, Infinity or 1e21.
 */
export function parseIntInRange(value: string | number, what: string, range: IntRange): number {
  const text = String(value).trim();
  // JSON-quoted and cut short: a newline or a pasted file must not break the one-line message.
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
    throw new UsageError(`${what}: expected a whole number from ${range.min} to ${range.max}, got ${shown}`);
  }
  return n;
}
