import { formatSeconds } from './table';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Writes progress lines stamped with the seconds since the command started: "  [  3.2 s] text". */
export class Progress {
  private readonly started: number;
  constructor(
    private readonly write: (line: string) => void = (l) => process.stdout.write(l + '\n'),
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  elapsedMs(): number {
    return this.now() - this.started;
  }

  line(text: string): void {
    this.lineAt(this.elapsedMs(), text);
  }

  /** A line stamped with a time measured elsewhere (e.g. a timeline's), so both agree. */
  lineAt(ms: number, text: string): void {
    this.write(`  [${formatSeconds(ms).padStart(7)}] ${text}`);
  }
}

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Names the thing waited for in the timeout message. */
  what: string;
  /** Appended to the timeout message: what to do about it. */
  hint?: string;
}

/**
 * Call `probe` until it returns something other than undefined; probe errors count as "not yet"
 * (the last one is quoted on timeout). One job: waiting, with a clear message when it gives up.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, opts: PollOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 500;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message.split('\n')[0]})` : '';
      throw new WaitTimeoutError(`${opts.what}: not reached within ${formatSeconds(opts.timeoutMs)}${why}${opts.hint ? `; ${opts.hint}` : ''}`);
    }
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
}
