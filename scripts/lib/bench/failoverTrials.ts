import { promises as dnsPromises } from 'node:dns';
import { sleep } from '../../../services/shared/async';
import { consulRequest } from '../../../services/shared/consul/http';
import { healthEntriesSchema } from '../../../services/shared/consul/schemas';
import { WORKSHOP_SERVICE_NAME } from '../../../services/workshop-api/names';
import { DC2, PREPARED_QUERY } from '../../../services/exercises/facts';
import { DC2_PROFILE, DC2_SERVICES, REGISTRATOR_API_SERVICE } from '../docker/compose';
import { loadWorkshopTargets } from '../workshop/instances';
import type { BenchLab } from './benchLab';
import type { Figures } from './figures';
import { waitServing } from './serving';
import type { LabSettings } from './settings';
import { distribution } from './stats';

/**
 * README exercise 8, measured with our settings only (the original workshop had one datacenter): the prepared
 * query workshop-nearest, asked over DNS like a client would, failing over to dc2 when dc1's last workshop instance
 * leaves the passing set, and coming home when one passes again.
 */
export const PREPARED_QUERY_DNS_NAME = `${PREPARED_QUERY}.query.consul`;

/** The lab's own datacenter (consul/server.hcl, consul/agent.hcl). */
export const HOME_DC = 'dc1';

export type FailoverFigureKey =
  'preparedQueryFailoverP50Ms' | 'preparedQueryFailoverP95Ms' | 'preparedQueryFailbackP50Ms' | 'preparedQueryFailbackP95Ms';

/** One trial: all of dc1 out, the query answering from dc2, one dc1 instance back, the query answering from dc1. */
export interface FailoverTrial {
  /** The dc1 instance stopped last and started first (each trial takes the next one). */
  last: string;
  /** Epoch ms: the first docker stop sent. The /api/ window of the trial (api.failover) starts here. */
  startedAt: number;
  /** Epoch ms: the answer that showed dc1's last instance out of Consul's passing set (t0). */
  outAt: number;
  /** From t0 to the first DNS answer naming dc2 only. */
  failoverMs: number;
  /** Epoch ms: the answer that showed the restarted instance passing again (t1). */
  backAt: number;
  /** From t1 to the first DNS answer naming dc1 only. */
  failbackMs: number;
  /** Epoch ms: all of dc1's instances passing and in Nginx again. The /api/ window ends here. */
  endedAt: number;
  /** The SRV targets of the first answer from dc2 and of the first answer from dc1 again (for the JSON's details). */
  dc2Targets: string[];
  dc1Targets: string[];
}

/** The four figures from a phase's failover trials: NaN (null in the JSON, "-" in the table) without any. */
export function failoverFigures(trials: readonly FailoverTrial[]): Pick<Figures, FailoverFigureKey> {
  const over = distribution(trials.map((t) => t.failoverMs));
  const back = distribution(trials.map((t) => t.failbackMs));
  return {
    preparedQueryFailoverP50Ms: over.p50,
    preparedQueryFailoverP95Ms: over.p95,
    preparedQueryFailbackP50Ms: back.p50,
    preparedQueryFailbackP95Ms: back.p95,
  };
}

/**
 * The datacenter an SRV target of Consul's DNS names: `<node>.node.<dc>.<domain>` or, for a service registered with
 * its own address, `<hex IP>.addr.<dc>.<domain>` (services/consul-demo/discovery/dns.ts); a target with a partition
 * or a peer spells the datacenter `<dc>.dc`. A prepared query answers with the datacenter its instances came from,
 * so the failed-over answer names dc2. Undefined for anything else (not a Consul target).
 */
export function targetDatacenter(target: string): string | undefined {
  const labels = target.toLowerCase().replace(/\.$/, '').split('.');
  if (labels.length < 4 || labels.some((l) => l === '') || (labels[1] !== 'node' && labels[1] !== 'addr')) return undefined;
  const dcAt = labels.indexOf('dc', 3);
  const dc = dcAt > 2 && dcAt < labels.length - 1 ? labels[dcAt - 1] : labels[2];
  return dc && /^[a-z0-9][a-z0-9-]*$/.test(dc) ? dc : undefined;
}

/** Where a DNS answer of the query came from. */
export type QuerySource =
  | { kind: 'empty' }
  | { kind: 'dc'; dc: string }
  | { kind: 'mixed'; dcs: string[] }
  | { kind: 'unknown'; target: string }
  | { kind: 'error'; reason: string };

/** The answer's source: one datacenter when every target names the same one; an unreadable target is 'unknown'. */
export function classifyAnswer(targets: readonly string[]): QuerySource {
  if (targets.length === 0) return { kind: 'empty' };
  const dcs = new Set<string>();
  for (const t of targets) {
    const dc = targetDatacenter(t);
    if (dc === undefined) return { kind: 'unknown', target: t };
    dcs.add(dc);
  }
  const list = [...dcs].sort();
  return list.length === 1 ? { kind: 'dc', dc: list[0]! } : { kind: 'mixed', dcs: list };
}

export function describeSource(s: QuerySource): string {
  switch (s.kind) {
    case 'empty':
      return 'no instances';
    case 'dc':
      return `from ${s.dc}`;
    case 'mixed':
      return `from ${s.dcs.join(' and ')}`;
    case 'unknown':
      return `a target that names no datacenter (${s.target})`;
    case 'error':
      return `no answer (${s.reason})`;
  }
}

/** What one trial does to the lab and reads from it (the real one: failoverWorld; the unit tests fake it). */
export interface FailoverWorld {
  /** dc1's workshop instances (Compose's workshop-api-*, without the registrator's api-b3), by name. */
  instances(): Promise<Array<{ name: string; serviceId: string; containerId: string }>>;
  /** docker stop (SIGTERM: the instance deregisters itself); resolves when the container has exited. */
  stop(containerId: string): Promise<void>;
  start(containerId: string): Promise<void>;
  /** The service IDs in dc1's passing set (GET /v1/health/service/workshop?passing through host-a's agent). */
  passing(): Promise<string[]>;
  /** The query asked over DNS: the answer's SRV targets; no records (NXDOMAIN, NODATA) is []. */
  ask(): Promise<string[]>;
  /** Until `n` instances pass in Consul and serve in Nginx. */
  waitServing(n: number): Promise<void>;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface FailoverOptions {
  /** dc1's instances when whole. */
  expected: number;
  /** Between two polls of Consul's passing set and of the DNS answer. */
  pollMs: number;
  /** Each wait's bound. */
  timeoutMs: number;
}

export const DEFAULT_FAILOVER_OPTIONS: FailoverOptions = { expected: 4, pollMs: 20, timeoutMs: 60_000 };

/**
 * Poll `probe` every pollMs until it returns a value; that value and the epoch ms its answer arrived. A probe's
 * error counts as "not yet" (the last one is quoted on timeout).
 */
async function firstSeen<T>(
  world: Pick<FailoverWorld, 'now' | 'sleep'>,
  opts: FailoverOptions,
  what: string,
  probe: () => Promise<T | undefined>,
  lastSeen: () => string,
  cancel: { done: boolean } = { done: false },
): Promise<{ value: T; at: number }> {
  const deadline = world.now() + opts.timeoutMs;
  let lastError = '';
  for (;;) {
    if (cancel.done) throw new Error(`${what}: given up (the other poll failed)`);
    try {
      const value = await probe();
      const at = world.now();
      if (value !== undefined) return { value, at };
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (world.now() >= deadline)
      throw new Error(
        `${what}: not within ${(opts.timeoutMs / 1000).toFixed(0)} s (last seen: ${lastSeen()}${lastError ? `; last error: ${lastError}` : ''})`,
      );
    await world.sleep(opts.pollMs);
  }
}

/** Two polls at once; the first to fail stops the other (no loop left polling into the retry) and is thrown. */
async function both<A, B>(a: (c: { done: boolean }) => Promise<A>, b: (c: { done: boolean }) => Promise<B>): Promise<[A, B]> {
  const cancel = { done: false };
  let failure: { err: unknown } | undefined;
  const stopOnError = <T>(p: Promise<T>): Promise<T> =>
    p.catch((err: unknown) => {
      failure ??= { err };
      cancel.done = true;
      throw err;
    });
  // Both settle before returning, so neither keeps polling behind the caller's back; the first failure is the why.
  const [ra, rb] = await Promise.allSettled([stopOnError(a(cancel)), stopOnError(b(cancel))]);
  if (ra.status === 'rejected' || rb.status === 'rejected') throw failure!.err;
  return [ra.value, rb.value];
}

/**
 * One failover and its way back: three of dc1's instances stopped (gracefully, so each deregisters itself) and only
 * one left passing; then the last one stopped while Consul's passing set and the query's DNS answer are polled at
 * once: failoverMs = the first answer from dc2 − the answer that showed dc1 empty (t0). Then that instance started
 * again, polled the same way: failbackMs = the first answer from dc1 − the answer that showed it passing (t1). The
 * two polls are independent (the DNS answer is read from any dc1 server, allow_stale; the passing set from the
 * leader), so a figure can be a poll interval below 0. Ends with all of dc1 passing and in Nginx.
 */
export async function runFailoverTrial(
  world: FailoverWorld,
  index: number,
  opts: FailoverOptions = DEFAULT_FAILOVER_OPTIONS,
): Promise<FailoverTrial> {
  await world.waitServing(opts.expected);
  const all = await world.instances();
  if (all.length !== opts.expected)
    throw new Error(`expected ${opts.expected} dc1 workshop instances, found ${all.length} (${all.map((i) => i.name).join(', ')})`);
  const last = all[index % all.length]!;
  const others = all.filter((i) => i !== last);
  let passingNow: string[] = [];
  const passing = async (): Promise<string[]> => (passingNow = await world.passing());
  let answerNow: QuerySource = { kind: 'error', reason: 'not asked yet' };
  let targetsNow: string[] = [];
  const answersFrom = (dc: string) => async (): Promise<string[] | undefined> => {
    try {
      targetsNow = await world.ask();
      answerNow = classifyAnswer(targetsNow);
    } catch (err) {
      answerNow = { kind: 'error', reason: (err as Error).message };
    }
    return answerNow.kind === 'dc' && answerNow.dc === dc ? targetsNow : undefined;
  };
  const seenPassing = () => `passing ${passingNow.join(', ') || 'none'}`;
  const seenAnswer = () => `the query answering ${describeSource(answerNow)}`;

  const startedAt = world.now();
  await Promise.all(others.map((i) => world.stop(i.containerId)));
  await firstSeen(
    world,
    opts,
    `only ${last.name} passing in dc1`,
    async () => {
      const p = await passing();
      return p.length === 1 && p[0] === last.serviceId ? true : undefined;
    },
    seenPassing,
  );

  const stopping = world.stop(last.containerId);
  stopping.catch(() => undefined);
  const [out, dc2] = await both(
    (c) =>
      firstSeen(
        world,
        opts,
        `${last.name} out of dc1's passing set`,
        async () => ((await passing()).length === 0 ? true : undefined),
        seenPassing,
        c,
      ),
    (c) => firstSeen(world, opts, `${PREPARED_QUERY_DNS_NAME} answering from ${DC2}`, answersFrom(DC2), seenAnswer, c),
  );
  await stopping;

  await world.start(last.containerId);
  const [back, dc1] = await both(
    (c) =>
      firstSeen(
        world,
        opts,
        `${last.name} passing again`,
        async () => ((await passing()).includes(last.serviceId) ? true : undefined),
        seenPassing,
        c,
      ),
    (c) => firstSeen(world, opts, `${PREPARED_QUERY_DNS_NAME} answering from ${HOME_DC} again`, answersFrom(HOME_DC), seenAnswer, c),
  );
  await Promise.all(others.map((i) => world.start(i.containerId)));
  await world.waitServing(opts.expected);
  return {
    last: last.name,
    startedAt,
    outAt: out.at,
    failoverMs: dc2.at - out.at,
    backAt: back.at,
    failbackMs: dc1.at - back.at,
    endedAt: world.now(),
    dc2Targets: dc2.value,
    dc1Targets: dc1.value,
  };
}

export interface FailoverSteps {
  /** One trial on the lab (runFailoverTrial on the real world). */
  trial(index: number): Promise<FailoverTrial>;
  /** After a failed attempt: start every dc1 instance it left stopped, until the lab serves whole again. */
  bringBack(): Promise<void>;
  /** Until `n` instances pass in Consul and serve in Nginx (serving.ts waitServing). */
  waitServing(n: number): Promise<void>;
  say(line: string): void;
  warn(line: string): void;
}

/**
 * Exercise 8's trials on the bench lab: the `dc2` profile up with the query in place, `trials` failovers and
 * failbacks (each retried once after bringing dc1 back, a second failure ends the run), and the profile taken down
 * again whatever happened, with the query deleted. A failed take-down is a warning: nothing on the workshop side
 * follows, and the next phase starts from `down -v` with every profile.
 */
export async function runFailoverTrials(
  lab: Pick<BenchLab, 'dc2'>,
  settings: LabSettings,
  trials: number,
  expected: number,
  steps: FailoverSteps,
): Promise<FailoverTrial[]> {
  const tag = `[${settings.name}]`;
  const out: FailoverTrial[] = [];
  await lab.dc2(true, settings);
  try {
    await steps.waitServing(expected);
    steps.say(`${tag} ${DC2_PROFILE} profile up (${DC2_SERVICES.join(', ')}), query ${PREPARED_QUERY} in place, dc2's instances passing`);
    for (let i = 0; i < trials; i++) {
      let t: FailoverTrial | undefined;
      for (let attempt = 1; !t; attempt++) {
        try {
          t = await steps.trial(i);
        } catch (err) {
          steps.warn(`${tag} failover trial ${i + 1} attempt ${attempt} failed: ${(err as Error).message}`);
          if (attempt >= 2) throw err;
          await steps.bringBack();
        }
      }
      out.push(t);
      steps.say(
        `${tag} failover ${i + 1}/${trials}: dc1's last instance out → dc2 answers after ${Math.round(t.failoverMs)} ms; ` +
          `back home ${Math.round(t.failbackMs)} ms after ${t.last} passing`,
      );
    }
    return out;
  } finally {
    try {
      await lab.dc2(false, settings);
      await steps.waitServing(expected);
      steps.say(`${tag} ${DC2_PROFILE} profile removed and query ${PREPARED_QUERY} deleted: ${expected} instances in Nginx`);
    } catch (err) {
      steps.warn(`${tag} taking the ${DC2_PROFILE} profile down failed: ${(err as Error).message}`);
    }
  }
}

/** The query's SRV answer from the bench lab's DNS port (host-a's agent), as a client would ask it. */
export function dnsAsker(port: number, timeoutMs = 500): () => Promise<string[]> {
  const resolver = new dnsPromises.Resolver({ timeout: timeoutMs, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  return async () => {
    try {
      return (await resolver.resolveSrv(PREPARED_QUERY_DNS_NAME)).map((r) => r.name);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // No instance anywhere: Consul answers NXDOMAIN (or no records).
      if (code === dnsPromises.NOTFOUND || code === dnsPromises.NODATA) return [];
      throw err;
    }
  };
}

/** The real world of a trial: the bench lab's containers, host-a's agent and its DNS port. */
export function failoverWorld(lab: BenchLab, timeoutMs = 2000): FailoverWorld {
  const target = { baseUrl: lab.consulUrl, timeoutMs };
  return {
    instances: async () => {
      const targets = await loadWorkshopTargets(lab.docker, await lab.containers(), await lab.consul.instances(WORKSHOP_SERVICE_NAME));
      return targets
        .filter((t) => t.container.service !== REGISTRATOR_API_SERVICE)
        .map((t) => ({ name: t.name, serviceId: t.serviceId, containerId: t.container.id }));
    },
    stop: async (id) => void (await lab.docker.getContainer(id).stop({ t: 10 })),
    start: async (id) => void (await lab.docker.getContainer(id).start()),
    passing: async () =>
      (
        await consulRequest(target, {
          path: `/v1/health/service/${encodeURIComponent(WORKSHOP_SERVICE_NAME)}?passing`,
          schema: healthEntriesSchema,
        })
      ).map((e) => e.Service.ID),
    ask: dnsAsker(lab.where.consulDnsPort),
    waitServing: (n) => waitServing(lab, n, 120_000),
    now: () => Date.now(),
    sleep,
  };
}
