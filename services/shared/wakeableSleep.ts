import { setTimeout as delay } from 'node:timers/promises';

/**
 * A sleep that `wake()` ends at once: a loop's pause (between requests, before a restart, a retry delay)
 * must not hold up a shutdown. Once `wake()` has been called with `stop: true`, further sleeps return at once.
 * Each sleep is Node's promise timer with its own AbortSignal; `wake()` aborts the current one, and an aborted
 * sleep resolves (a woken loop goes on to see why it was woken) rather than rejecting.
 */
export class WakeableSleep {
  private current: AbortController | undefined;
  private stopped = false;

  async sleep(ms: number): Promise<void> {
    if (this.stopped || ms <= 0) return;
    const wake = new AbortController();
    this.current = wake;
    try {
      await delay(ms, undefined, { signal: wake.signal });
    } catch (err) {
      if (!wake.signal.aborted) throw err;
    } finally {
      if (this.current === wake) this.current = undefined;
    }
  }

  /** End the current sleep now; with `stop`, every later sleep too. */
  wake(opts: { stop?: boolean } = {}): void {
    if (opts.stop) this.stopped = true;
    this.current?.abort();
  }
}
