import type { LogFields } from '../shared/logger';

export interface EventSummaryOptions {
  /** Message of the line logged at once for the first event after a quiet window. */
  first: string;
  /** Message of the line that counts the events of one window. */
  summary: string;
  /** At most one summary line per this long. */
  windowMs: number;
  /** Field name for the event's kind on the first line (e.g. `reason`). */
  kindField: string;
  /** Field name for the counts per kind on a summary line (e.g. `reasons`). */
  countsField: string;
}

/**
 * One log line per event does not scale: 10 000 idle connections timing out together were 10 000 lines.
 * This logs the first event of a quiet period at once (so a single bad client is still visible as it
 * happens), counts the ones that follow, and logs the counts once per window while events keep coming.
 */
export class EventSummary {
  private readonly counts = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly emit: (msg: string, fields: LogFields) => void,
    private readonly opts: EventSummaryOptions,
  ) {}

  record(kind: string, fields: LogFields = {}): void {
    if (!this.timer) {
      this.emit(this.opts.first, { [this.opts.kindField]: kind, ...fields });
      this.openWindow();
      return;
    }
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  /** Log what is counted now (shutdown: nothing counted may be lost), and start afresh. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.logCounts();
  }

  private openWindow(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Events went on during the window: log them, and keep summarising for another window.
      if (this.logCounts()) this.openWindow();
    }, this.opts.windowMs);
    // Never what keeps the process alive.
    this.timer.unref();
  }

  private logCounts(): boolean {
    if (this.counts.size === 0) return false;
    let total = 0;
    for (const n of this.counts.values()) total += n;
    const byKind = Object.fromEntries([...this.counts].sort((a, b) => b[1] - a[1]));
    this.counts.clear();
    this.emit(this.opts.summary, { count: total, [this.opts.countsField]: byKind, windowMs: this.opts.windowMs });
    return true;
  }
}
