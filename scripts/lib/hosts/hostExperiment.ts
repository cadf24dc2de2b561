/**
 * What lab:partition and lab:kill-agent share: a timed experiment on one whole host. Its snapshot looks at the
 * servers' verdict, Consul's passing set and Nginx; it expects the host's events one way (down or up); each watch
 * round looks at the host again; after the timeline it says how the other hosts fared.
 */
import { createConsulClient } from '../../../services/shared/consul/client';
import { runTimedExperiment, timelineTitle, type ActTiming } from '../experiment/engine';
import { liveCommandIo, type CommandIo } from '../lab/commandIo';
import type { WatchEvent } from '../experiment/watch';
import { findRunning, type LabContainer } from '../docker/labContainers';
import { LAB_HOSTS, NGINX_SERVICE } from '../docker/labServices';
import type { Lab } from '../lab/openLab';
import { formatSeconds } from '../term/table';
import {
  expectedHostEvents,
  hostDownEvents,
  hostUpEvents,
  loadHostWatch,
  lookAtHost,
  nodeChecksReader,
  notTheAction,
  otherHostsLines,
  passingByNode,
  passingInstances,
  snapshotHost,
  type Direction,
  type HostSides,
  type HostWatchSetup,
  type WatchedHost,
} from './hostWatch';

export const HOST_POLL_MS = 200;

export interface HostExperiment {
  setup: HostWatchSetup;
  dir: Direction;
  /** Whether the Nginx upstream is watched (nginx is running). */
  nginxUpstream: boolean;
  intro: string[];
  start: WatchEvent;
  act: () => Promise<void>;
  actTiming: ActTiming;
  /** "already before the <what>". */
  alreadyBefore: string;
  /** "<what>" in "Timeline (<what>; polled every ...)". */
  titleWhat: string;
  timeoutMs: number;
  /** Lines after the timeline, before the other hosts' lines (e.g. asking the host's instances), said one by one. */
  afterTimeline?: (say: (line: string) => void) => Promise<void>;
  /** The last lines: what to do next. */
  closing: string[];
}

/** Run one host experiment; 0 when every expected event was seen in time, else 1. */
export function runHostExperiment(h: HostExperiment, io: CommandIo = liveCommandIo()): Promise<number> {
  const { sides, watched, passingBefore } = h.setup;
  const events = h.dir === 'up' ? hostUpEvents : hostDownEvents;
  return runTimedExperiment(
    {
      snapshot: () => snapshotHost(sides, watched, new Set(['serf', 'consul', 'upstream', 'page']), io.now),
      intro: () => h.intro,
      start: h.start,
      expected: () => expectedHostEvents(watched, h.dir, h.nginxUpstream),
      already: { events: (before) => notTheAction(events(before, watched)), note: `already before the ${h.alreadyBefore}` },
      act: h.act,
      actTiming: h.actTiming,
      look: (timeline) => lookAtHost(sides, timeline, watched, events, io.now),
      pollMs: HOST_POLL_MS,
      timeoutMs: h.timeoutMs,
      title: timelineTitle(h.titleWhat, HOST_POLL_MS, formatSeconds),
      notSeen: `not seen in ${formatSeconds(h.timeoutMs)}`,
      outro: async (_before, _timeline, say) => {
        await h.afterTimeline?.(say);
        const after = await passingInstances(sides).then(passingByNode, () => undefined);
        const others = LAB_HOSTS.map((x) => x.name).filter((n) => n !== watched.name);
        for (const line of [...otherHostsLines(others, passingBefore, after), ...h.closing]) say(line);
      },
    },
    io,
  );
}

/** What both host commands take besides their own flag. */
export interface HostRunOptions {
  timeoutMs: number;
  /** The host's node checks; default: through a consul client of the lab's (closed at the end). */
  nodeChecks?: HostSides['nodeChecks'];
}

/** The experiment a command makes of a host, once its watch is set up. */
export type HostPlan = Omit<HostExperiment, 'setup' | 'nginxUpstream' | 'timeoutMs'>;

/**
 * Set up the watch of `host` (Consul's registrations and node checks, the running nginx) and run the experiment
 * `plan` describes on it; 0 when every expected event was seen in time, else 1.
 */
export async function runOnHost(
  lab: Lab,
  host: string,
  agent: WatchedHost['agent'],
  opts: HostRunOptions,
  plan: HostPlan,
  io: CommandIo = liveCommandIo(),
): Promise<number> {
  const client = opts.nodeChecks ? undefined : createConsulClient(lab.endpoints.consul);
  try {
    const nginx = findRunning(lab.containers, NGINX_SERVICE);
    const setup = await loadHostWatch(
      { docker: lab.docker, consul: lab.consul, nginxUrl: lab.endpoints.nginxUrl, nginxContainerId: nginx?.id },
      opts.nodeChecks ?? nodeChecksReader(client!, lab.endpoints.consulUrl),
      host,
      agent,
    );
    return await runHostExperiment({ ...plan, setup, nginxUpstream: !!nginx, timeoutMs: opts.timeoutMs }, io);
  } finally {
    client?.destroy();
  }
}

/** The lab's container of a Compose service (a host's owner or agent); without one the lab is not up as it should be. */
export function hostContainer(lab: Lab, service: string): LabContainer {
  const c = lab.containers.find((x) => x.service === service);
  if (!c) throw new Error(`lab "${lab.project}" has no ${service} container: start it with \`npm run lab:up\``);
  return c;
}
