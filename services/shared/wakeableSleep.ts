/**
 * A sleep that `wake()` ends at once: a loop's pause (between requests, before a restart, a retry delay)
 * must not hold up a shutdown. Once `wake()` has been called with `stop: true`, further sleeps return at once.
 */
export class WakeableSleep {
  private wakeCurrent: (() => void) | undefined;
  private stopped = false;

  sleep(ms: number): Promise<void> {
    if (this.stopped || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeCurrent === done) this.wakeCurrent = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeCurrent = done;
    });
  }

  /** End the current sleep now; with `stop`, every later sleep too. */
  wake(opts: { stop?: boolean } = {}): void {
    if (opts.stop) this.stopped = true;
    this.wakeCurrent?.();
  }
}
