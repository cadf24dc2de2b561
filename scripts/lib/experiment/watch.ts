/**
 * The one watch loop behind every command that breaks something and times it (lab:kill-api, lab:restore-api,
 * lab:kill-agent, lab:partition and the benchmark's stop trials): look at the lab from several sides at once →
 * the events that look shows, each timed by the answer of the side that showed it → marked on the timeline
 * (first sighting wins) → sleep; until every expected event is seen or the timeout has passed. What a side is
 * and which events it shows is the caller's: ../workshop/watch.ts follows one workshop-api instance,
 * ../hosts/hostWatch.ts every service on one host.
 */
import { sleep as realSleep } from '../../../services/shared/async';
import type { Timeline } from '../term/timeline';

export interface WatchEvent<K extends string = string> {
  key: K;
  label: string;
}

export type TimedEvent<K extends string = string> = WatchEvent<K> & { atMs: number };

/** When each side's answer arrived (epoch ms): an event is timed by the answer that showed it, not the slowest side. */
export type SideTimes<S extends string> = Partial<Record<S, number>>;

/**
 * Run the readers of the sides in `want` at once and stamp each answer's arrival; a side that fails to answer is
 * simply not judged this round (no stamp, and its reader left what it fills undefined).
 */
export async function readSides<S extends string>(
  want: ReadonlySet<S>,
  readers: Partial<Record<S, () => Promise<void>>>,
  now: () => number = Date.now,
): Promise<SideTimes<S>> {
  const at: SideTimes<S> = {};
  await Promise.all(
    (Object.keys(readers) as S[]).map(async (side) => {
      const read = readers[side];
      if (!want.has(side) || !read) return;
      try {
        await read();
        at[side] = now();
      } catch {
        // a side that can't be read this round is simply not judged this round
      }
    }),
  );
  return at;
}

/** Events with the time (ms on the timeline) of the answer that showed each, earliest first. */
export function timeBySide<K extends string, S extends string>(
  events: Array<WatchEvent<K>>,
  at: SideTimes<S> | undefined,
  sideOf: (key: K) => S | undefined,
  sinceStart: (epochMs: number) => number,
  fallbackMs: number,
): Array<TimedEvent<K>> {
  return events
    .map((e) => {
      const side = sideOf(e.key);
      const seen = side === undefined ? undefined : at?.[side];
      return { ...e, atMs: seen !== undefined ? sinceStart(seen) : fallbackMs };
    })
    .sort((a, b) => a.atMs - b.atMs);
}

/** The sides worth asking for the events still pending on the timeline under `keyPrefix`. */
export function pendingSidesOf<S extends string>(timeline: Timeline, sideOf: (key: string) => S | undefined, keyPrefix = ''): Set<S> {
  return new Set(
    timeline
      .pending()
      .filter((e) => e.key.startsWith(keyPrefix))
      .map((e) => sideOf(e.key.slice(keyPrefix.length)))
      .filter((s): s is S => s !== undefined),
  );
}

export interface WatchLoopOptions {
  /** Stop once the timeline is this old, seen or not. */
  timeoutMs: number;
  pollMs: number;
  /** Each newly seen event, with its time on the timeline (e.g. a progress line). */
  onEvent?: (atMs: number, label: string) => void;
  /** Runs before every round; throws to end the watch (e.g. `docker stop` failed). */
  beforeRound?: () => void;
  /** Injected for tests; default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Round after round: `look` returns the events it shows, timed (keys as on the timeline) → each marked, first
 * sighting wins → sleep `pollMs`; until every expected event is seen or `timeoutMs` has passed.
 */
export async function watchTimeline(timeline: Timeline, look: () => Promise<TimedEvent[]>, opts: WatchLoopOptions): Promise<void> {
  const sleep = opts.sleep ?? realSleep;
  while (!timeline.done() && timeline.elapsedMs() < opts.timeoutMs) {
    opts.beforeRound?.();
    for (const e of await look()) {
      if (timeline.mark(e.key, e.label, e.atMs)) opts.onEvent?.(e.atMs, e.label);
    }
    if (!timeline.done()) await sleep(opts.pollMs);
  }
}

/**
 * Events a look taken before the action already shows are marked at 0.0 s with `note`, so the timeline never
 * claims a time it didn't see; only events still pending are marked. Returns what was marked.
 */
export function markAlready<E extends WatchEvent>(
  timeline: Timeline,
  events: E[],
  note: string,
  onEvent?: (atMs: number, label: string) => void,
): E[] {
  const marked: E[] = [];
  for (const e of events) {
    const label = `${e.label} (${note})`;
    if (timeline.pending().some((p) => p.key === e.key) && timeline.mark(e.key, label, 0)) {
      onEvent?.(0, label);
      marked.push(e);
    }
  }
  return marked;
}
