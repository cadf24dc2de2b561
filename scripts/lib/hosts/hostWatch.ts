/**
 * Watching a whole simulated host leave and come back, from every side at once: its agent container, the
 * servers' verdict on its node (serfHealth), Consul's passing set, and Nginx. The workshop-api watch
 * (../workshop/watch.ts) follows one instance; this follows every service on one Consul node. Both are
 * specialisations of the one watch loop in ../experiment/watch.ts.
 */
import { withTimeout } from '../../../services/shared/async';
import type { ConsulClient } from '../../../services/shared/consul/client';
import { ConsulError } from '../../../services/shared/consul/errors';
import { checksSchema, listOrEmpty } from '../../../services/shared/consul/schemas';
import { errorMessage } from '../../../services/shared/errors';
import { CONSUL_DEMO_SERVICE_NAME } from '../../../services/consul-demo/names';
import { WORKSHOP_META, WORKSHOP_SERVICE_NAME } from '../../../services/workshop-api/names';
import { worstStatus, type CheckStatus, type ServiceInstance } from '../consul/labConsul';
import { demoServerOf } from '../demo/clientLog';
import { markAlready as markAlreadyOnTimeline, pendingSidesOf, readSides, timeBySide, watchTimeline } from '../experiment/watch';
import type { SideTimes, TimedEvent, WatchLoopOptions } from '../experiment/watch';
import { pageHasInstance } from '../nginx/parseNginx';
import type { Timeline } from '../term/timeline';
import { nginxReaders, type WatchSides } from '../workshop/watch';

/** The services the lab runs on its hosts: a host is "out" when none of its instances of these is passing. */
export const HOST_SERVICES = [CONSUL_DEMO_SERVICE_NAME, WORKSHOP_SERVICE_NAME] as const;

/** The node-level check the servers keep for every agent: passing while its gossip answers, critical once failed. */
export const SERF_CHECK_ID = 'serfHealth';

/** One check of /v1/health/node/<node>. */
export interface NodeCheck {
  checkId: string;
  status: string;
  /** "" for a node-level check (serfHealth). */
  serviceId: string;
}

/** The checks in Consul's answer, through the gateway's checksSchema: not a list reads as none, an odd field as "". */
export function parseNodeChecks(raw: unknown): NodeCheck[] {
  return listOrEmpty(checksSchema, raw).map((c) => ({ checkId: c.CheckID, status: c.Status, serviceId: c.ServiceID }));
}

/** The servers' verdict on the node's agent; 'absent' when the node has no serfHealth (not in the catalog). */
export function serfStatus(checks: NodeCheck[]): CheckStatus | 'absent' {
  const serf = checks.find((c) => c.checkId === SERF_CHECK_ID);
  return serf ? worstStatus([serf.status]) : 'absent';
}

/** GET /v1/health/node/<node> through the repo's Consul client (LabConsul has no node query), with a deadline. */
export function nodeChecksReader(client: ConsulClient, baseUrl: string, timeoutMs = 3000): (node: string) => Promise<NodeCheck[]> {
  return async (node) => {
    try {
      return parseNodeChecks(await withTimeout(client.health.node(node), timeoutMs, `health/node/${node}`));
    } catch (err) {
      throw new ConsulError(`Consul at ${baseUrl} (health/node/${node}): ${errorMessage(err).split('\n')[0]}`);
    }
  };
}

/** A workshop instance on the host, as Nginx lists it. */
export interface HostWorkshopInstance {
  name: string;
  serviceId: string;
  /** ip:port, as in the rendered upstream. */
  address: string;
}

/** What a watch of one host follows. */
export interface WatchedHost {
  /** Consul node name = the host's name. */
  name: string;
  /** The host's agent container, when the watch times its stop/start. */
  agent?: { id: string; name: string };
  /** The host's workshop instances that Nginx routes to while the host is fine. */
  workshop: HostWorkshopInstance[];
  /** How many instances on the host count as "back": those whose own checks were passing when last heard of. */
  expectedBack: number;
}

/**
 * From Consul's registrations (any status, every node) and the host's node checks: the instances to follow. An
 * instance counts when its own service checks are passing: while a host is cut off the catalog keeps what its
 * agent last reported, so these are the instances that were fine when the host went away.
 */
export function watchedHostFrom(
  host: string,
  registrations: ServiceInstance[],
  checks: NodeCheck[],
  agent?: WatchedHost['agent'],
): WatchedHost {
  const ownPassing = (id: string): boolean => checks.filter((c) => c.serviceId === id).every((c) => c.status === 'passing');
  const fine = registrations.filter((r) => r.node === host && ownPassing(r.id));
  const workshop = fine
    .filter((r) => r.service === WORKSHOP_SERVICE_NAME)
    .map((r) => ({ name: r.meta[WORKSHOP_META.name] || r.id, serviceId: r.id, address: `${r.address}:${r.port}` }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { name: host, agent, workshop, expectedBack: unitsOn(fine, host) };
}

/**
 * What "back" counts: each workshop instance, and each demo server PROCESS once. A demo server's incarnations come
 * and go (a make-before-break handover briefly has two, a restart gap none), so counting its registrations would
 * make "back" depend on the moment each look happened to catch.
 */
export function unitsOn(instances: ServiceInstance[], node: string): number {
  const units = new Set(
    instances.filter((i) => i.node === node).map((i) => (i.service === CONSUL_DEMO_SERVICE_NAME ? `demo:${demoServerOf(i.id)}` : i.id)),
  );
  return units.size;
}

/** Passing instances per node (what `?passing` returned). */
export function passingByNode(passing: ServiceInstance[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of passing) m.set(i.node, (m.get(i.node) ?? 0) + 1);
  return m;
}

export type HostSide = 'agent' | 'serf' | 'consul' | 'upstream' | 'page';

/** One look at a host from every side; a side that could not be read is undefined. */
export interface HostSnapshot {
  agent?: { running: boolean; exitCode?: number };
  serf?: CheckStatus | 'absent';
  /** Every passing instance of HOST_SERVICES, on any node (`?passing`). */
  passing?: ServiceInstance[];
  upstream?: string[];
  page?: string[];
  /** When each side's answer arrived (epoch ms): an event is timed by the answer that showed it. */
  at: SideTimes<HostSide>;
}

export type HostEventKey = 'stopped' | 'running' | 'serf' | 'consul' | 'upstream' | 'page';

export interface HostEvent {
  key: HostEventKey;
  label: string;
}

export function sideOfHostEvent(key: string): HostSide | undefined {
  if (key === 'stopped' || key === 'running') return 'agent';
  return key === 'serf' || key === 'consul' || key === 'upstream' || key === 'page' ? key : undefined;
}

export type Direction = 'down' | 'up';

/** The events a watch waits for, with their labels (before they are seen): the timeline's expectations. */
export function expectedHostEvents(w: WatchedHost, dir: Direction, nginxUpstream: boolean): HostEvent[] {
  const h = w.name;
  const ev: HostEvent[] = [];
  if (w.agent)
    ev.push(
      dir === 'down'
        ? { key: 'stopped', label: `${h}'s agent container stopped` }
        : { key: 'running', label: `${h}'s agent container running` },
    );
  ev.push(
    dir === 'down'
      ? { key: 'serf', label: `${h}'s agent marked failed by the servers (serfHealth critical)` }
      : { key: 'serf', label: `${h}'s agent alive again (serfHealth passing)` },
  );
  if (dir === 'down') ev.push({ key: 'consul', label: `every service on ${h} out of Consul's passing set` });
  else if (w.expectedBack > 0)
    ev.push({
      key: 'consul',
      label: `${h}'s services back in Consul's passing set (${w.expectedBack} instance${w.expectedBack === 1 ? '' : 's'})`,
    });
  if (w.workshop.length) {
    const verb = dir === 'down' ? 'gone from' : 'back in';
    if (nginxUpstream) ev.push({ key: 'upstream', label: `${h}'s workshop instances ${verb} the Nginx upstream` });
    ev.push({ key: 'page', label: `${h}'s workshop instances ${dir === 'down' ? 'gone from' : 'back on'} the Nginx page` });
  }
  return ev;
}

function labelOf(w: WatchedHost, dir: Direction, key: HostEventKey): string {
  return expectedHostEvents(w, dir, true).find((e) => e.key === key)?.label ?? key;
}

/** Which "gone" events a snapshot shows for a host that was cut off or lost its agent. */
export function hostDownEvents(s: HostSnapshot, w: WatchedHost): HostEvent[] {
  const ev: HostEvent[] = [];
  if (w.agent && s.agent?.running === false)
    ev.push({
      key: 'stopped',
      label: `${labelOf(w, 'down', 'stopped')}${s.agent.exitCode !== undefined ? ` (exit code ${s.agent.exitCode})` : ''}`,
    });
  if (s.serf === 'critical') ev.push({ key: 'serf', label: labelOf(w, 'down', 'serf') });
  if (s.passing && !s.passing.some((i) => i.node === w.name)) ev.push({ key: 'consul', label: labelOf(w, 'down', 'consul') });
  if (w.workshop.length && s.upstream && !w.workshop.some((i) => s.upstream!.includes(i.address)))
    ev.push({ key: 'upstream', label: labelOf(w, 'down', 'upstream') });
  if (w.workshop.length && s.page && !w.workshop.some((i) => pageHasInstance(s.page!, i.name, i.serviceId)))
    ev.push({ key: 'page', label: labelOf(w, 'down', 'page') });
  return ev;
}

/** Which "back" events a snapshot shows for a host that was healed or got its agent back. */
export function hostUpEvents(s: HostSnapshot, w: WatchedHost): HostEvent[] {
  const ev: HostEvent[] = [];
  if (w.agent && s.agent?.running === true) ev.push({ key: 'running', label: labelOf(w, 'up', 'running') });
  if (s.serf === 'passing') ev.push({ key: 'serf', label: labelOf(w, 'up', 'serf') });
  if (w.expectedBack > 0 && s.passing && unitsOn(s.passing, w.name) >= w.expectedBack)
    ev.push({ key: 'consul', label: labelOf(w, 'up', 'consul') });
  if (w.workshop.length && s.upstream && w.workshop.every((i) => s.upstream!.includes(i.address)))
    ev.push({ key: 'upstream', label: labelOf(w, 'up', 'upstream') });
  if (w.workshop.length && s.page && w.workshop.every((i) => pageHasInstance(s.page!, i.name, i.serviceId)))
    ev.push({ key: 'page', label: labelOf(w, 'up', 'page') });
  return ev;
}

/** The workshop watch's sides (Docker, Consul, Nginx) and the node query. */
export interface HostSides extends WatchSides {
  nodeChecks: (node: string) => Promise<NodeCheck[]>;
}

/** Every passing instance of the host services (any node): what Consul's `?passing` answers. */
export async function passingInstances(sides: Pick<HostSides, 'consul'>): Promise<ServiceInstance[]> {
  const lists = await Promise.all(HOST_SERVICES.map((s) => sides.consul.instances(s, { passingOnly: true })));
  return lists.flat();
}

/** Look at the host from the sides in `want` at once; a side that fails to answer is left undefined. */
export async function snapshotHost(
  sides: HostSides,
  w: WatchedHost,
  want: Set<HostSide>,
  now: () => number = Date.now,
): Promise<HostSnapshot> {
  const s: HostSnapshot = { at: {} };
  s.at = await readSides<HostSide>(
    want,
    {
      ...(w.agent
        ? {
            agent: async () => {
              const info = await sides.docker.getContainer(w.agent!.id).inspect();
              s.agent = { running: info.State.Running, ...(info.State.Running ? {} : { exitCode: info.State.ExitCode }) };
            },
          }
        : {}),
      serf: async () => {
        s.serf = serfStatus(await sides.nodeChecks(w.name));
      },
      consul: async () => {
        s.passing = await passingInstances(sides);
      },
      ...nginxReaders(sides, s),
    },
    now,
  );
  return s;
}

/** The sides worth asking for the events still pending on the timeline. */
export function pendingHostSides(timeline: Timeline): Set<HostSide> {
  return pendingSidesOf(timeline, sideOfHostEvent);
}

/** Events with the time (ms on the timeline) of the answer that showed each, earliest first. */
export function timedHostEvents(
  events: HostEvent[],
  s: HostSnapshot,
  sinceStart: (epochMs: number) => number,
  fallbackMs: number,
): Array<HostEvent & { atMs: number }> {
  return timeBySide(events, s.at, sideOfHostEvent, sinceStart, fallbackMs);
}

/** One round of the host watch: snapshot the host from the sides still pending → its events, each timed. */
export async function lookAtHost(
  sides: HostSides,
  timeline: Timeline,
  w: WatchedHost,
  events: (s: HostSnapshot, w: WatchedHost) => HostEvent[],
  now: () => number = Date.now,
): Promise<TimedEvent[]> {
  const s = await snapshotHost(sides, w, pendingHostSides(timeline), now);
  return timedHostEvents(events(s, w), s, (x) => timeline.sinceStart(x), timeline.elapsedMs());
}

/**
 * lookAtHost → marked on the timeline (first sighting wins) → sleep; until every expected event is seen or
 * `timeoutMs` has passed. (lab:partition and lab:kill-agent run the same rounds through the experiment engine.)
 */
export async function watchHost(
  sides: HostSides,
  timeline: Timeline,
  w: WatchedHost,
  events: (s: HostSnapshot, w: WatchedHost) => HostEvent[],
  opts: Pick<WatchLoopOptions, 'timeoutMs' | 'pollMs' | 'onEvent' | 'sleep'>,
): Promise<void> {
  await watchTimeline(timeline, () => lookAtHost(sides, timeline, w, events), opts);
}

/** The action's own first effect (the agent container stopped or running) is always timed, never "already". */
export function notTheAction(events: HostEvent[]): HostEvent[] {
  return events.filter((e) => e.key !== 'stopped' && e.key !== 'running');
}

/**
 * Events a snapshot taken before the action already shows are marked at 0.0 s with `note`, so the timeline never
 * claims a time it didn't see (lab:kill-api does the same). Returns what was marked.
 */
export function markAlready(
  timeline: Timeline,
  events: HostEvent[],
  note: string,
  onEvent?: (atMs: number, label: string) => void,
): HostEvent[] {
  return markAlreadyOnTimeline(timeline, notTheAction(events), note, onEvent);
}

/** "host-a's services stayed passing (5 passing instances before, 5 after)", one line per other host. */
export function otherHostsLines(hosts: string[], before: Map<string, number>, after: Map<string, number> | undefined): string[] {
  return hosts.map((h) => {
    const b = before.get(h) ?? 0;
    if (!after) return `${h}: ${b} passing instances before; Consul did not answer afterwards`;
    const a = after.get(h) ?? 0;
    return a >= b
      ? `${h}'s services stayed passing (${b} passing instances before, ${a} after)`
      : `${h} has fewer passing instances than before (${b} before, ${a} after): look at the Consul UI`;
  });
}

/** What both host commands start from. */
export interface HostWatchSetup {
  sides: HostSides;
  watched: WatchedHost;
  /** Passing instances per node before the action. */
  passingBefore: Map<string, number>;
}

/** Consul's registrations and node checks for `host` now, the running nginx, and the passing counts per node. */
export async function loadHostWatch(
  base: WatchSides,
  nodeChecks: HostSides['nodeChecks'],
  host: string,
  agent?: WatchedHost['agent'],
): Promise<HostWatchSetup> {
  const sides: HostSides = { ...base, nodeChecks };
  const [registrations, checks, passing] = await Promise.all([
    Promise.all(HOST_SERVICES.map((s) => base.consul.instances(s))).then((l) => l.flat()),
    nodeChecks(host),
    passingInstances(base),
  ]);
  return { sides, watched: watchedHostFrom(host, registrations, checks, agent), passingBefore: passingByNode(passing) };
}
