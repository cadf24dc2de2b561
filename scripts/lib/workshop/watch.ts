import type Docker from 'dockerode';
import { WORKSHOP_SERVICE_NAME } from '../../../services/workshop-api/names';
import type { CheckStatus, LabConsul, ServiceInstance } from '../consul/labConsul';
import { findRunning, LabContainer } from '../docker/labContainers';
import { NGINX_SERVICE } from '../docker/labServices';
import { pageHasInstance } from '../nginx/parseNginx';
import { readPage, readUpstream } from '../nginx/readNginx';
import type { Timeline } from '../term/timeline';
import { pendingSidesOf, readSides, timeBySide, watchTimeline } from '../experiment/watch';
import type { SideTimes, TimedEvent, WatchLoopOptions } from '../experiment/watch';
import { loadWorkshopTargets, WorkshopTarget } from './instances';

/** One look at a workshop-api instance from every side. A field is undefined when that side could not be read. */
export interface ApiSnapshot {
  running?: boolean;
  health?: string;
  exitCode?: number;
  /** Its registration in Consul: status, or 'absent' when deregistered. */
  consul?: { status: CheckStatus | 'absent'; address?: string };
  upstream?: string[];
  page?: string[];
  /** When each side's answer arrived (epoch ms): an event is timed by the answer that showed it, not the slowest side. */
  at?: SideTimes<Side>;
}

export type Side = 'container' | 'consul' | 'upstream' | 'page';

/** Which side shows an event. */
export function sideOf(key: ObservedEvent['key']): Side {
  return key === 'stopped' || key === 'running' || key === 'healthy' ? 'container' : key;
}

export interface WatchedInstance {
  name: string;
  serviceId: string;
  hostname: string;
  /** address:port in the upstream; learned from Consul while it is registered. */
  address?: string;
}

export interface ObservedEvent {
  key: 'stopped' | 'consul' | 'upstream' | 'page' | 'running' | 'healthy';
  label: string;
}

/** Which "gone" events a snapshot shows for a stopped/killed instance. */
export function goneEvents(s: ApiSnapshot, w: WatchedInstance): ObservedEvent[] {
  const ev: ObservedEvent[] = [];
  if (s.running === false)
    ev.push({ key: 'stopped', label: `container stopped${s.exitCode !== undefined ? ` (exit code ${s.exitCode})` : ''}` });
  if (s.consul && s.consul.status !== 'passing') {
    ev.push({
      key: 'consul',
      label: `out of Consul's passing set (${s.consul.status === 'absent' ? 'deregistered' : `check ${s.consul.status}`})`,
    });
  }
  if (s.upstream && w.address && !s.upstream.includes(w.address))
    ev.push({ key: 'upstream', label: `gone from the Nginx upstream behind /api/ (${w.address})` });
  if (s.page && !pageHasInstance(s.page, w.name, w.serviceId)) ev.push({ key: 'page', label: 'gone from the Nginx page' });
  return ev;
}

/** Which "back" events a snapshot shows for a restarted instance. */
export function backEvents(s: ApiSnapshot, w: WatchedInstance): ObservedEvent[] {
  const ev: ObservedEvent[] = [];
  if (s.running === true) ev.push({ key: 'running', label: 'container running' });
  if (s.running === true && s.health === 'healthy') ev.push({ key: 'healthy', label: 'Docker healthcheck healthy' });
  if (s.consul?.status === 'passing') ev.push({ key: 'consul', label: "back in Consul's passing set" });
  const addr = s.consul?.address ?? w.address;
  if (s.upstream && addr && s.upstream.includes(addr))
    ev.push({ key: 'upstream', label: `back in the Nginx upstream behind /api/ (${addr})` });
  if (s.page && pageHasInstance(s.page, w.name, w.serviceId)) ev.push({ key: 'page', label: 'back on the Nginx page' });
  return ev;
}

export interface WatchSides {
  docker: Docker;
  consul: LabConsul;
  nginxUrl: string;
  /** The running nginx container, to read its rendered upstream; undefined → the upstream is not watched. */
  nginxContainerId?: string;
}

/** Nginx's two sides, read the same way by every watch: its rendered upstream (docker exec) and its page. */
export function nginxReaders(
  sides: WatchSides,
  into: { upstream?: string[]; page?: string[] },
): { upstream?: () => Promise<void>; page: () => Promise<void> } {
  return {
    ...(sides.nginxContainerId
      ? {
          upstream: async () => {
            into.upstream = await readUpstream(sides.docker, sides.nginxContainerId!);
          },
        }
      : {}),
    page: async () => {
      into.page = (await readPage(sides.nginxUrl)).instances;
    },
  };
}

/** Look at one instance from every side at once; a side that fails to answer is left undefined. */
export async function snapshot(
  sides: WatchSides,
  containerId: string,
  w: WatchedInstance,
  want: Set<string>,
  now: () => number = Date.now,
): Promise<ApiSnapshot> {
  const s: ApiSnapshot = {};
  s.at = await readSides<Side>(
    want as Set<Side>,
    {
      container: async () => {
        const info = await sides.docker.getContainer(containerId).inspect();
        s.running = info.State.Running;
        s.health = info.State.Health?.Status;
        if (!info.State.Running) s.exitCode = info.State.ExitCode;
      },
      consul: async () => {
        const all = await sides.consul.instances(WORKSHOP_SERVICE_NAME);
        // By service ID only: instances on one simulated host share its hostname (Meta.host), so a sibling's
        // registration must never stand in for a deregistered one.
        const mine = all.find((i) => i.id === w.serviceId);
        s.consul = mine ? { status: mine.status, address: `${mine.address}:${mine.port}` } : { status: 'absent' };
      },
      ...nginxReaders(sides, s),
    },
    now,
  );
  return s;
}

export function watchedFrom(t: WorkshopTarget): WatchedInstance {
  return {
    name: t.name,
    serviceId: t.serviceId,
    hostname: t.hostname,
    address: t.registration ? `${t.registration.address}:${t.registration.port}` : undefined,
  };
}

/** Events with the time (ms since `startedAt`) of the answer that showed each, earliest first. */
export function timedEvents(
  events: ObservedEvent[],
  s: ApiSnapshot,
  sinceStart: (epochMs: number) => number,
  fallbackMs: number,
): Array<ObservedEvent & { atMs: number }> {
  return timeBySide(events, s.at, sideOf, sinceStart, fallbackMs);
}

/** What every watch starts from: Consul's registrations, the workshop-api containers matched with them, the running nginx. */
export interface ApiWatchSetup {
  registrations: ServiceInstance[];
  targets: WorkshopTarget[];
  /** undefined when nginx is not running: the upstream is then not watched. */
  nginx?: LabContainer;
  sides: WatchSides;
}

export async function loadApiWatch(
  docker: Docker,
  consul: LabConsul,
  nginxUrl: string,
  containers: LabContainer[],
): Promise<ApiWatchSetup> {
  const registrations = await consul.instances(WORKSHOP_SERVICE_NAME);
  const targets = await loadWorkshopTargets(docker, containers, registrations);
  const nginx = findRunning(containers, NGINX_SERVICE);
  return { registrations, targets, nginx, sides: { docker, consul, nginxUrl, nginxContainerId: nginx?.id } };
}

/** One instance a watch follows, and how its events go onto the shared timeline. */
export interface WatchedTarget {
  containerId: string;
  instance: WatchedInstance;
  /** The events this watch times: goneEvents, backEvents, or a part of them. */
  events: (s: ApiSnapshot, w: WatchedInstance) => ObservedEvent[];
  /** When one timeline follows several instances: prefixes of its keys ("api-1a2b3c/") and labels ("api-1a2b3c: "). */
  keyPrefix?: string;
  labelPrefix?: string;
  /** The sides to ask each round; default: those of its events still pending on the timeline. */
  sides?: () => Set<string>;
}

export interface ApiWatchOptions extends WatchLoopOptions {
  /** Follow the address Consul reports: a restarted container can come back on another IP. */
  followAddress?: boolean;
}

/** The sides worth asking for the events still pending under `keyPrefix`. */
export function pendingSides(timeline: Timeline, keyPrefix = ''): Set<string> {
  return pendingSidesOf(timeline, (k) => sideOf(k as ObservedEvent['key']), keyPrefix);
}

/**
 * One round of the workshop watch: snapshot every target from the sides it still needs → its events, each timed
 * by the answer that showed it, keys and labels prefixed for a shared timeline; all of them earliest first.
 */
export async function lookAtInstances(
  sides: WatchSides,
  timeline: Timeline,
  targets: WatchedTarget[],
  followAddress = false,
  now: () => number = Date.now,
): Promise<TimedEvent[]> {
  const perTarget = await Promise.all(
    targets.map(async (t) => {
      const keyPrefix = t.keyPrefix ?? '';
      const s = await snapshot(sides, t.containerId, t.instance, t.sides?.() ?? pendingSides(timeline, keyPrefix), now);
      if (followAddress && s.consul?.address) t.instance.address = s.consul.address;
      return timedEvents(t.events(s, t.instance), s, (x) => timeline.sinceStart(x), timeline.elapsedMs()).map((e) => ({
        key: `${keyPrefix}${e.key}`,
        label: `${t.labelPrefix ?? ''}${e.label}`,
        atMs: e.atMs,
      }));
    }),
  );
  return perTarget.flat().sort((a, b) => a.atMs - b.atMs);
}

/**
 * The watch loop of the benchmark's stop trials (lab:kill-api and lab:restore-api run the same rounds through
 * the experiment engine): lookAtInstances → marked on the timeline (first sighting wins) → sleep `pollMs`; until
 * every expected event is seen or `timeoutMs` has passed.
 */
export async function watchUntilDone(
  sides: WatchSides,
  timeline: Timeline,
  targets: WatchedTarget[],
  opts: ApiWatchOptions,
): Promise<void> {
  await watchTimeline(timeline, () => lookAtInstances(sides, timeline, targets, opts.followAddress), opts);
}
