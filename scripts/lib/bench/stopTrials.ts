import type Docker from 'dockerode';
import { sleep } from '../../../services/shared/async';
import { execText } from '../docker/engine';
import { Timeline } from '../term/timeline';
import type { WorkshopTarget } from '../workshop/instances';
import {
  ApiSnapshot,
  backEvents,
  goneEvents,
  loadApiWatch,
  ObservedEvent,
  pendingSides,
  WatchedInstance,
  watchedFrom,
  watchUntilDone,
} from '../workshop/watch';
import type { BenchLab } from './benchLab';
import { FailoverStamps, StageMs, stagesOf } from './breakdown';
import { stampsFromLogs, watchLeavesPassing } from './breakdownProbe';
import { waitServing } from './serving';

/**
 * How a trial takes an instance out:
 * - graceful: docker stop (SIGTERM: the instance deregisters itself and drains);
 * - hard: SIGKILL (nothing deregisters it: its health check goes critical);
 * - events: SIGKILL of the instance the registrator registered (exercise 6): Docker's die event deregisters it;
 * - hung: SIGSTOP to every process in its container but the init: the container stays running, Docker reports
 *   nothing, only the health check can tell (critical, still registered).
 */
export type StopKind = 'graceful' | 'hard' | 'events' | 'hung';

/** What a kind of trial does to the container, and how it brings it back. */
export interface StopAction {
  /** How progress lines and warnings name it. */
  label: string;
  /** The container exits (and the trial waits for that); a hung one stays running. */
  exits: boolean;
  /** Sends the stop; resolves with what still runs in the background (a graceful stop), awaited after the watch. */
  act(container: Docker.Container): Promise<{ background: Promise<unknown> }>;
  restore(container: Docker.Container): Promise<void>;
}

/**
 * `kill -<signal> -1` in the container, as the user it runs as (an exec without User): every process the user
 * may signal but the container's init (tini, PID 1) and the shell itself, as `docker compose exec` does in README
 * exercise 6.
 */
export async function signalAllButInit(container: Docker.Container, signal: 'STOP' | 'CONT'): Promise<void> {
  const r = await execText(container, ['sh', '-c', `kill -${signal} -1`]);
  if (r.exitCode !== 0) throw new Error(`kill -${signal} -1 in the container: exit code ${r.exitCode} ${r.stderr.trim()}`.trim());
}

const start = async (c: Docker.Container): Promise<void> => void (await c.start());
const sigkill = async (c: Docker.Container): Promise<{ background: Promise<unknown> }> => {
  await c.kill({ signal: 'SIGKILL' });
  return { background: Promise.resolve() };
};

export const STOP_ACTIONS: Record<StopKind, StopAction> = {
  // Not awaited: Consul and Nginx drop it before the container exits.
  graceful: { label: 'graceful stop', exits: true, act: async (c) => ({ background: c.stop({ t: 10 }) }), restore: start },
  hard: { label: 'hard kill', exits: true, act: sigkill, restore: start },
  events: { label: 'registrator hard kill', exits: true, act: sigkill, restore: start },
  hung: {
    label: 'registrator hung process',
    exits: false,
    act: async (c) => {
      await signalAllButInit(c, 'STOP');
      return { background: Promise.resolve() };
    },
    restore: (c) => signalAllButInit(c, 'CONT'),
  },
};

/** One stop (or kill, or hang) of a workshop-api instance and its restore; times in ms since the action. */
export interface StopTrial {
  kind: StopKind;
  target: string;
  /** Epoch ms: docker stop / SIGKILL / SIGSTOP sent. */
  startedAt: number;
  outOfConsulMs: number;
  outOfUpstreamMs: number;
  outOfPageMs: number;
  /** Gone from both the upstream and the page: the later of the two. */
  outOfNginxMs: number;
  /** Container exited; NaN (null in the JSON) for a hung instance, whose container never exits. */
  stoppedMs: number;
  /** Epoch ms: docker start (kill -CONT for a hung one) sent. The /api/ error window of the stop ends here. */
  restoreStartedAt: number;
  /** Epoch ms: back in Consul, the upstream and the page. */
  restoredAt: number;
  backInNginxMs: number;
  /** Events not seen before the timeout; their figure is the timeout (a lower bound). */
  notSeen: string[];
  /** Epoch ms of each step between the action and the reload (breakdown.ts), and the stages between them. */
  stamps: FailoverStamps;
  stages: StageMs;
}

export interface TrialOptions {
  /** How many instances serve when the lab is whole. */
  expected: number;
  pollMs: number;
  timeoutMs: number;
  /** After the instance is gone everywhere and its container has exited: let the last render settle. */
  settleMs: number;
  /** Always this Compose service's instance (e.g. the registrator's api-b3), instead of each instance in turn. */
  targetService?: string;
}

export const DEFAULT_TRIAL_OPTIONS: TrialOptions = { expected: 4, pollMs: 50, timeoutMs: 45_000, settleMs: 1000 };

/** The trial's target: the running instances in name order, taken in turn so every instance gets stopped. */
export function pickTarget(targets: WorkshopTarget[], index: number, service?: string): WorkshopTarget | undefined {
  const running = targets.filter(
    (t) =>
      t.container.state === 'running' && t.registration?.status === 'passing' && (service === undefined || t.container.service === service),
  );
  return running.length ? running[index % running.length] : undefined;
}

/**
 * Stop, kill or hang one instance (STOP_ACTIONS), time when it leaves Consul's passing set, Nginx's upstream and
 * page (polled from every side at once, each event timed by the answer that showed it, as lab:kill-api does),
 * then restore it (docker start, or kill -CONT) and time its way back.
 */
export async function runStopTrial(
  lab: BenchLab,
  kind: StopKind,
  index: number,
  opts: TrialOptions = DEFAULT_TRIAL_OPTIONS,
): Promise<StopTrial> {
  await waitServing(lab, opts.expected, 120_000);
  const { targets, nginx, sides } = await loadApiWatch(lab.docker, lab.consul, lab.nginxUrl, await lab.containers());
  const action = STOP_ACTIONS[kind];
  const target = pickTarget(targets, index, opts.targetService);
  if (!target || !nginx)
    throw new Error(`no passing ${opts.targetService ?? 'workshop-api'} instance (or no nginx) in project ${lab.where.project}`);
  const watched = watchedFrom(target);
  const container = lab.docker.getContainer(target.container.id);

  // Already waiting on host-a's agent when the action happens: its answer times the wake-up consul-template gets.
  const passing = watchLeavesPassing(lab.consulUrl, target.serviceId);
  await Promise.race([passing.ready, sleep(5000)]);
  // The timeline starts here, with the action: its events are ms since the stop or kill.
  const gone = new Timeline();
  // Out of Consul is timed by the blocking query below, not by the watch's 100 ms polling: the query's answer is
  // the very wake-up consul-template gets, and a stage of the breakdown.
  if (action.exits) gone.expect('stopped', 'container stopped');
  gone.expect('upstream', 'out of the upstream').expect('page', 'off the page');
  const goneFromRouting = (s: ApiSnapshot, w: WatchedInstance): ObservedEvent[] => goneEvents(s, w).filter((e) => e.key !== 'consul');
  const startedAt = Date.now();
  const stopping = (await action.act(container)).background;
  stopping.catch(() => undefined);

  // Two loops on the one timeline: reading the upstream is a `docker exec` (50-100 ms, far more on a busy machine),
  // and a round waits for its slowest side, so the page and the container get their own, faster loop.
  const onlySides = (want: string[]) => (): Set<string> => new Set([...pendingSides(gone)].filter((x) => want.includes(x)));
  const goneLoop = (want: string[]) =>
    watchUntilDone(
      sides,
      gone,
      [{ containerId: target.container.id, instance: watched, events: goneFromRouting, sides: onlySides(want) }],
      {
        timeoutMs: opts.timeoutMs,
        pollMs: opts.pollMs,
      },
    );
  await Promise.all([goneLoop(['upstream']), goneLoop(['container', 'page'])]);
  await stopping.catch((e: Error) => {
    throw new Error(`${action.label} of ${target.container.name}: ${e.message}`);
  });
  const wokeUp = await Promise.race([passing.gone, sleep(2000).then(() => undefined)]);
  passing.stop();
  const notSeen = gone.pending().map((e) => `${kind} ${target.name}: ${e.label}`);
  if (wokeUp === undefined) notSeen.push(`${kind} ${target.name}: out of Consul's passing set`);
  const at = (key: string): number => gone.at(key) ?? opts.timeoutMs;
  await sleep(opts.settleMs);
  const stamps = await stampsFromLogs(lab, target.serviceId, startedAt, wokeUp);

  const back = new Timeline();
  back.expect('upstream', 'back in the upstream').expect('page', 'back on the page');
  const restoreStartedAt = Date.now();
  await action.restore(container);
  // Only Nginx counts here (back in Consul and the container's own running/healthy are not figures); the address
  // cannot change: an instance has its host's address and its own port.
  const backInRouting = (s: ApiSnapshot, w: WatchedInstance): ObservedEvent[] =>
    backEvents(s, w).filter((e) => e.key === 'upstream' || e.key === 'page');
  await watchUntilDone(sides, back, [{ containerId: target.container.id, instance: watched, events: backInRouting }], {
    timeoutMs: 90_000,
    pollMs: opts.pollMs * 2,
  });
  if (!back.done())
    throw new Error(
      `${target.name} did not come back within 90 s (${back
        .pending()
        .map((e) => e.label)
        .join(', ')})`,
    );
  const backInNginxMs = Math.max(back.at('upstream')!, back.at('page')!);

  return {
    kind,
    target: target.name,
    startedAt,
    outOfConsulMs: wokeUp !== undefined ? wokeUp - startedAt : opts.timeoutMs,
    outOfUpstreamMs: at('upstream'),
    outOfPageMs: at('page'),
    outOfNginxMs: Math.max(at('upstream'), at('page')),
    stoppedMs: action.exits ? at('stopped') : Number.NaN,
    restoreStartedAt,
    restoredAt: restoreStartedAt + backInNginxMs,
    backInNginxMs,
    notSeen,
    stamps,
    stages: stagesOf(stamps),
  };
}
