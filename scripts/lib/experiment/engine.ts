/**
 * The experiment engine behind the commands that break the lab on purpose (lab:kill-api, lab:restore-api,
 * lab:kill-agent, lab:partition, lab:scale-server): snapshot → expect → act → watch → report. `runExperiment` runs
 * the five phases in order and prints through the injected CommandIo (terminal and clock); `timedExperiment` is the usual kind, whose watch fills a
 * timeline (when each part of the lab noticed) and whose report is that timeline. Docker and Consul are only behind
 * the description's functions, so unit tests drive every phase with fakes and a fake clock.
 */
import { liveCommandIo, type CommandIo } from '../lab/commandIo';
import { Timeline } from '../term/timeline';
import { markAlready, watchTimeline, type TimedEvent, type WatchEvent } from './watch';

/** What the report prints and the command's exit code. */
export interface ExperimentReport {
  lines: string[];
  exitCode: number;
}

/**
 * One experiment, phase by phase. `B` is what the snapshot saw before acting, `W` what the watch gathered.
 * `expect` is printed before acting, so the user knows what to look for; act and watch may print progress.
 */
export interface Experiment<B, W> {
  snapshot: () => Promise<B>;
  expect: (before: B) => string[];
  act: (before: B) => Promise<void>;
  watch: (before: B) => Promise<W>;
  report: (before: B, watched: W) => Promise<ExperimentReport>;
}

/** Snapshot → print what to expect → act → watch → print the report; returns the exit code. */
export async function runExperiment<B, W>(e: Experiment<B, W>, io: CommandIo): Promise<number> {
  const before = await e.snapshot();
  for (const line of e.expect(before)) io.out(`${line}\n`);
  await e.act(before);
  const watched = await e.watch(before);
  const report = await e.report(before, watched);
  for (const line of report.lines) io.out(`${line}\n`);
  return report.exitCode;
}

/** How the action relates to the timeline's clock. */
export type ActTiming =
  /** The clock starts, then the action runs to its end (docker kill, docker start). */
  | 'await'
  /**
   * The clock starts and the action runs on while the watch goes (docker stop: Consul and Nginx usually drop the
   * instance before it returns); its failure ends the watch.
   */
  | 'background'
  /**
   * The action runs first and the clock starts when it returns: from then on the change is real (docker network
   * disconnect); how long the action took is printed beside the first mark.
   */
  | 'then-clock';

/** A timed experiment: the events a command waits for, the action, one look per watch round, and the report. */
export interface TimedExperiment<B> {
  snapshot: () => Promise<B>;
  /** Printed before acting: what is about to be done. */
  intro: (before: B) => string[];
  /** The timeline's first mark, at 0 s: the action itself. */
  start: WatchEvent;
  /** The events the watch waits for, in the order a user expects them. */
  expected: (before: B) => WatchEvent[];
  /** Expected events the snapshot already shows, marked at 0 s with "(<note>)"; never the action's own effect. */
  already?: { events: (before: B) => WatchEvent[]; note: string };
  act: () => Promise<void>;
  actTiming: ActTiming;
  /** Turns a failure of a 'background' action into the error that ends the watch. */
  actFailed?: (err: Error) => Error;
  /** One watch round: the events the lab shows now, timed on the timeline (keys as expected). */
  look: (timeline: Timeline) => Promise<TimedEvent[]>;
  pollMs: number;
  timeoutMs: number;
  /** The line above the timeline table, and what an event not seen says in its AFTER column. */
  title: string;
  notSeen: string;
  /**
   * Lines after the timeline (after a blank line), once the watch is over: each printed as it is said, since some
   * take a while (lab:kill-agent asks instances from inside their containers).
   */
  outro?: (before: B, timeline: Timeline, say: (line: string) => void) => Promise<void>;
}

/** "Timeline (<what>; polled every 200 ms, so each time is exact to about 0.4 s)". */
export function timelineTitle(what: string, pollMs: number, formatSeconds: (ms: number) => string): string {
  return `Timeline (${what}; polled every ${pollMs} ms, so each time is exact to about ${formatSeconds(pollMs * 2)})`;
}

/**
 * The timed kind as an Experiment: expect prints the intro; act starts the clock (before or after the action, see
 * ActTiming), marks the action at 0 s, declares the expected events and marks those already true; watch polls
 * until every one is seen or the timeout; the report is the timeline, then the outro. Exit 0 when every expected
 * event was seen, 1 otherwise.
 */
export function timedExperiment<B>(t: TimedExperiment<B>, io: CommandIo): Experiment<B, Timeline> {
  const progress = io.newProgress();
  const onEvent = (atMs: number, label: string): void => progress.lineAt(atMs, label);
  let timeline: Timeline | undefined;
  let actError: Error | undefined;

  const startClock = (): Timeline => {
    const tl = new Timeline(io.now);
    tl.mark(t.start.key, t.start.label, 0);
    return tl;
  };
  const declare = (tl: Timeline, before: B): void => {
    for (const e of t.expected(before)) tl.expect(e.key, e.label);
    if (t.already) markAlready(tl, t.already.events(before), t.already.note, onEvent);
  };

  return {
    snapshot: t.snapshot,
    expect: t.intro,
    act: async (before) => {
      if (t.actTiming === 'then-clock') {
        const t0 = io.now();
        await t.act();
        const took = io.now() - t0;
        timeline = startClock();
        progress.lineAt(0, `${t.start.label} (docker took ${took} ms)`);
        declare(timeline, before);
        return;
      }
      timeline = startClock();
      declare(timeline, before);
      if (t.actTiming === 'await') await t.act();
      else t.act().catch((err: Error) => (actError = err));
    },
    watch: async () => {
      const tl = timeline!;
      await watchTimeline(tl, () => t.look(tl), {
        timeoutMs: t.timeoutMs,
        pollMs: t.pollMs,
        onEvent,
        sleep: io.sleep,
        beforeRound: () => {
          if (actError) throw t.actFailed ? t.actFailed(actError) : actError;
        },
      });
      return tl;
    },
    report: async (before, tl) => {
      io.out(`\n${t.title}\n${tl.render(t.notSeen)}\n`);
      let said = 0;
      await t.outro?.(before, tl, (line) => io.out(`${said++ === 0 ? '\n' : ''}${line}\n`));
      return { lines: [], exitCode: tl.done() ? 0 : 1 };
    },
  };
}

/** Run a timed experiment: the usual way a break command runs. */
export function runTimedExperiment<B>(t: TimedExperiment<B>, io: CommandIo = liveCommandIo()): Promise<number> {
  return runExperiment(timedExperiment(t, io), io);
}
