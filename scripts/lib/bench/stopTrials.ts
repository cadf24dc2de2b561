import { backEvents, goneEvents, sideOf, snapshot, watchedFrom, WatchSides } from '../workshop/watch';
import { Timeline } from '../term/timeline';
import { sleep } from '../../../services/shared/async';
import { loadWorkshopTargets, WORKSHOP_CONSUL_SERVICE, WorkshopTarget } from '../workshop/instances';
import type { BenchLab } from './benchLab';
import { waitServing } from './serving';

export type StopKind = 'graceful' | 'hard';

/** One stop (or kill) of a workshop-api instance and its restore; times in ms since the action. */
export interface StopTrial {
  kind: StopKind;
  target: string;
  /** Epoch ms: docker stop / SIGKILL sent. */
  startedAt: number;
  outOfConsulMs: number;
  outOfUpstreamMs: number;
  outOfPageMs: number;
  /** Gone from both the upstream and the page: the later of the two. */
  outOfNginxMs: number;
  stoppedMs: number;
  /** Epoch ms: docker start sent. The /api/ error window of the stop ends here. */
  restoreStartedAt: number;
  /** Epoch ms: back in Consul, the upstream and the page. */
  restoredAt: number;
  backInNginxMs: number;
  /** Events not seen before the timeout; their figure is the timeout (a lower bound). */
  notSeen: string[];
}

export interface TrialOptions {
  /** How many instances serve when the lab is whole. */
  expected: number;
  pollMs: number;
  timeoutMs: number;
  /** After the instance is gone everywhere and its container has exited: let the last render settle. */
  settleMs: number;
}

export const DEFAULT_TRIAL_OPTIONS: TrialOptions = { expected: 3, pollMs: 100, timeoutMs: 45_000, settleMs: 1000 };

/** The trial's target: the running instances in name order, taken in turn so every instance gets stopped. */
export function pickTarget(targets: WorkshopTarget[], index: number): WorkshopTarget | undefined {
  const running = targets.filter((t) => t.container.state === 'running' && t.registration?.status === 'passing');
  return running.length ? running[index % running.length] : undefined;
}

/**
 * Stop (docker stop: SIGTERM, the instance deregisters and drains) or kill (SIGKILL) one instance, time when it
 * leaves Consul's passing set, Nginx's upstream and page (polled from every side at once, each event timed by the
 * answer that showed it, as lab:kill-api does), then docker start it and time its way back.
 */
export async function runStopTrial(lab: BenchLab, kind: StopKind, index: number, opts: TrialOptions = DEFAULT_TRIAL_OPTIONS): Promise<StopTrial> {
  await waitServing(lab, opts.expected, 120_000);
  const containers = await lab.containers();
  const nginx = containers.find((c) => c.service === 'nginx' && c.state === 'running');
  const targets = await loadWorkshopTargets(lab.docker, containers, await lab.consul.instances(WORKSHOP_CONSUL_SERVICE));
  const target = pickTarget(targets, index);
  if (!target || !nginx) throw new Error(`no passing workshop-api instance (or no nginx) in project ${lab.where.project}`);
  const watched = watchedFrom(target);
  const sides: WatchSides = { docker: lab.docker, consul: lab.consul, nginxUrl: lab.nginxUrl, nginxContainerId: nginx.id };
  const container = lab.docker.getContainer(target.container.id);

  const gone = new Timeline();
  gone.expect('stopped', 'container stopped').expect('consul', 'out of Consul').expect('upstream', 'out of the upstream').expect('page', 'off the page');
  const startedAt = Date.now();
  let stopping: Promise<unknown> = Promise.resolve();
  if (kind === 'hard') await container.kill({ signal: 'SIGKILL' });
  else stopping = container.stop({ t: 10 }); // not awaited: Consul and Nginx drop it before the container exits
  stopping.catch(() => undefined);

  const want = (): Set<string> => new Set(gone.pending().map((e) => (e.key === 'stopped' ? 'container' : e.key)));
  while (!gone.done() && gone.elapsedMs() < opts.timeoutMs) {
    const s = await snapshot(sides, target.container.id, watched, want());
    for (const e of goneEvents(s, watched)) {
      const seen = s.at?.[sideOf(e.key)];
      gone.mark(e.key, e.label, seen !== undefined ? gone.sinceStart(seen) : gone.elapsedMs());
    }
    if (!gone.done()) await sleep(opts.pollMs);
  }
  await stopping.catch((e: Error) => {
    throw new Error(`docker stop ${target.container.name}: ${e.message}`);
  });
  const notSeen = gone.pending().map((e) => `${kind} ${target.name}: ${e.label}`);
  const at = (key: string): number => gone.at(key) ?? opts.timeoutMs;
  await sleep(opts.settleMs);

  const back = new Timeline();
  back.expect('consul', 'back in Consul').expect('upstream', 'back in the upstream').expect('page', 'back on the page');
  const restoreStartedAt = Date.now();
  await container.start();
  while (!back.done() && back.elapsedMs() < 90_000) {
    const s = await snapshot(sides, target.container.id, watched, new Set(back.pending().map((e) => e.key)));
    // A restarted container can get another IP: follow what Consul says now.
    if (s.consul?.address) watched.address = s.consul.address;
    for (const e of backEvents(s, watched)) {
      if (e.key === 'running' || e.key === 'healthy') continue;
      const seen = s.at?.[sideOf(e.key)];
      back.mark(e.key, e.label, seen !== undefined ? back.sinceStart(seen) : back.elapsedMs());
    }
    if (!back.done()) await sleep(opts.pollMs * 2);
  }
  if (!back.done()) throw new Error(`${target.name} did not come back within 90 s (${back.pending().map((e) => e.label).join(', ')})`);
  const backInNginxMs = Math.max(back.at('upstream')!, back.at('page')!);

  return {
    kind,
    target: target.name,
    startedAt,
    outOfConsulMs: at('consul'),
    outOfUpstreamMs: at('upstream'),
    outOfPageMs: at('page'),
    outOfNginxMs: Math.max(at('upstream'), at('page')),
    stoppedMs: at('stopped'),
    restoreStartedAt,
    restoredAt: restoreStartedAt + backInNginxMs,
    backInNginxMs,
    notSeen,
  };
}
