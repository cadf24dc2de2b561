import { formatSeconds, renderTable } from './table';

export interface TimelineEvent {
  key: string;
  label: string;
  /** ms since the timeline started; undefined while not (yet) seen. */
  atMs?: number;
}

/**
 * Records when each expected event was first seen, relative to one start time, and renders them
 * in the order they happened (a graceful stop often leaves Consul before the container has exited).
 */
export class Timeline {
  private readonly started: number;
  private readonly events: TimelineEvent[] = [];

  constructor(private readonly now: () => number = Date.now) {
    this.started = now();
  }

  /** Declare an event in advance so the timeline can say "not seen" if it never happens. */
  expect(key: string, label: string): this {
    if (!this.events.some((e) => e.key === key)) this.events.push({ key, label });
    return this;
  }

  /** First sighting wins; later marks of the same key are ignored. Returns true the first time. */
  mark(key: string, label?: string, atMs = this.now() - this.started): boolean {
    const e = this.events.find((x) => x.key === key);
    if (e) {
      if (e.atMs !== undefined) return false;
      e.atMs = atMs;
      if (label) e.label = label;
      return true;
    }
    this.events.push({ key, label: label ?? key, atMs });
    return true;
  }

  has(key: string): boolean {
    return this.events.some((e) => e.key === key && e.atMs !== undefined);
  }

  at(key: string): number | undefined {
    return this.events.find((e) => e.key === key)?.atMs;
  }

  pending(): TimelineEvent[] {
    return this.events.filter((e) => e.atMs === undefined);
  }

  done(): boolean {
    return this.pending().length === 0;
  }

  elapsedMs(): number {
    return this.now() - this.started;
  }

  /** ms since the start for an absolute time (epoch ms from the same clock). */
  sinceStart(epochMs: number): number {
    return epochMs - this.started;
  }

  /** Seen events by time (stable for ties: declaration order), then unseen ones marked "not seen". */
  sorted(): TimelineEvent[] {
    const seen = this.events
      .map((e, i) => ({ e, i }))
      .filter((x) => x.e.atMs !== undefined)
      .sort((a, b) => a.e.atMs! - b.e.atMs! || a.i - b.i)
      .map((x) => x.e);
    return [...seen, ...this.pending()];
  }

  render(notSeenNote = 'not seen'): string {
    const rows = this.sorted().map((e) => [e.atMs === undefined ? notSeenNote : formatSeconds(e.atMs), e.label]);
    return renderTable([{ header: 'AFTER', align: 'right' }, { header: 'EVENT' }], rows);
  }
}
