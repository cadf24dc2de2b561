import { pollUntil, type Probe } from '../../services/shared/poll';

// One implementation of polling and of sleeping, shared with the services and the lab scripts.
export { sleep } from '../../services/shared/async';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What we are waiting for, for the timeout message. */
  what?: string;
}

/** pollUntil with the harness's defaults: 10 s, every 100 ms. */
export function waitFor<T>(probe: Probe<T>, opts: WaitOptions = {}): Promise<T> {
  return pollUntil(probe, { timeoutMs: opts.timeoutMs ?? 10_000, intervalMs: opts.intervalMs ?? 100, what: opts.what ?? 'condition' });
}
