import type Docker from 'dockerode';
import type { CheckStatus, LabConsul } from '../consul/labConsul';
import { pageHasInstance } from '../nginx/parseNginx';
import { readPage, readUpstream } from '../nginx/readNginx';
import { WORKSHOP_CONSUL_SERVICE, WorkshopTarget } from './instances';

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
  at?: Partial<Record<Side, number>>;
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
  if (s.running === false) ev.push({ key: 'stopped', label: `container stopped${s.exitCode !== undefined ? ` (exit code ${s.exitCode})` : ''}` });
  if (s.consul && s.consul.status !== 'passing') {
    ev.push({ key: 'consul', label: `out of Consul's passing set (${s.consul.status === 'absent' ? 'deregistered' : `check ${s.consul.status}`})` });
  }
  if (s.upstream && w.address && !s.upstream.includes(w.address)) ev.push({ key: 'upstream', label: `gone from the Nginx upstream behind /api/ (${w.address})` });
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
  if (s.upstream && addr && s.upstream.includes(addr)) ev.push({ key: 'upstream', label: `back in the Nginx upstream behind /api/ (${addr})` });
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

/** Look at one instance from every side at once; a side that fails to answer is left undefined. */
export async function snapshot(sides: WatchSides, containerId: string, w: WatchedInstance, want: Set<string>, now: () => number = Date.now): Promise<ApiSnapshot> {
  const s: ApiSnapshot = { at: {} };
  const soft = async (side: Side, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
      s.at![side] = now();
    } catch {
      // a side that can't be read this round is simply not judged this round
    }
  };
  await Promise.all([
    want.has('container') &&
      soft('container', async () => {
        const info = await sides.docker.getContainer(containerId).inspect();
        s.running = info.State.Running;
        s.health = info.State.Health?.Status;
        if (!info.State.Running) s.exitCode = info.State.ExitCode;
      }),
    want.has('consul') &&
      soft('consul', async () => {
        const all = await sides.consul.instances(WORKSHOP_CONSUL_SERVICE);
        const mine = all.find((i) => i.id === w.serviceId || i.meta.host === w.hostname);
        s.consul = mine ? { status: mine.status, address: `${mine.address}:${mine.port}` } : { status: 'absent' };
      }),
    want.has('upstream') &&
      sides.nginxContainerId &&
      soft('upstream', async () => {
        s.upstream = await readUpstream(sides.docker, sides.nginxContainerId!);
      }),
    want.has('page') &&
      soft('page', async () => {
        s.page = (await readPage(sides.nginxUrl)).instances;
      }),
  ]);
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
export function timedEvents(events: ObservedEvent[], s: ApiSnapshot, sinceStart: (epochMs: number) => number, fallbackMs: number): Array<ObservedEvent & { atMs: number }> {
  return events
    .map((e) => {
      const seen = s.at?.[sideOf(e.key)];
      return { ...e, atMs: seen !== undefined ? sinceStart(seen) : fallbackMs };
    })
    .sort((a, b) => a.atMs - b.atMs);
}
