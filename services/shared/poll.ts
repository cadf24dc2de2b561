import { sleep } from './async';

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

export interface PollOptions {
  timeoutMs: number;
  /** Between probes; 500 ms by default. */
  intervalMs?: number;
  /** Names the thing waited for in the timeout message. */
  what: string;
  /** Appended to the timeout message: what to do about it. */
  hint?: string;
}

/** A probe's answer: undefined or false mean "not yet"; anything else is the result. */
export type Probe<T> = () => Promise<T | undefined | false> | T | undefined | false;

/**
 * Call `probe` until it returns something other than undefined or false; probe errors count as "not yet"
 * (the last one is quoted on timeout). Gives up with a WaitTimeoutError:
 * "<what>: not reached within 3.0 s (last error: …); <hint>".
 */
export async function pollUntil<T>(probe: Probe<T>, opts: PollOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 500;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message.split('\n')[0]})` : '';
      const within = `${(opts.timeoutMs / 1000).toFixed(1)} s`;
      throw new WaitTimeoutError(`${opts.what}: not reached within ${within}${why}${opts.hint ? `; ${opts.hint}` : ''}`);
    }
    // Never sleep past the deadline: the last probe runs at it.
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
}
