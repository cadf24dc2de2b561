import type { Logger } from './logger';

export interface ShutdownOptions {
  logger?: Logger;
  /** Past this, exit 1 even if the handlers have not finished. */
  timeoutMs?: number;
  signals?: NodeJS.Signals[];
  exit?: (code: number) => void;
}

/**
 * Runs `handler` once on the first SIGINT/SIGTERM, then exits 0 (1 if it threw or timed out).
 * A second signal exits at once. Node as PID 1 in a container ignores SIGTERM unless a handler
 * like this one is installed, which is why every service uses it.
 */
export function onShutdown(handler: (signal: NodeJS.Signals) => Promise<void>, opts: ShutdownOptions = {}): () => void {
  const signals = opts.signals ?? ['SIGINT', 'SIGTERM'];
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const timeoutMs = opts.timeoutMs ?? 5000;
  let running = false;

  const listener = (signal: NodeJS.Signals): void => {
    if (running) {
      opts.logger?.warn('second signal, exiting now', { signal });
      exit(130);
      return;
    }
    running = true;
    opts.logger?.info('shutting down', { signal });
    const timer = setTimeout(() => {
      opts.logger?.error('shutdown took too long, exiting', { timeoutMs });
      exit(1);
    }, timeoutMs);
    timer.unref();
    handler(signal).then(
      () => {
        clearTimeout(timer);
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(timer);
        opts.logger?.error('shutdown failed', { error: err instanceof Error ? err.message : String(err) });
        exit(1);
      },
    );
  };
  for (const s of signals) process.on(s, listener);
  return () => {
    for (const s of signals) process.off(s, listener);
  };
}
