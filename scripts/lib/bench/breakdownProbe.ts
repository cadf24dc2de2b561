import type Docker from 'dockerode';
import { demuxDockerLogs } from '../docker/engine';
import { LAB_HOSTS, NGINX_SERVICE } from '../docker/labServices';
import { findRunning } from '../docker/labContainers';
import { WORKSHOP_SERVICE_NAME } from '../../../services/workshop-api/names';
import type { BenchLab } from './benchLab';
import { createConsulClient } from '../../../services/shared/consul/client';
import { parseConsulHttpAddr } from '../../../services/shared/consul/address';
import { readAs } from '../../../services/shared/consul/http';
import { healthEntriesSchema } from '../../../services/shared/consul/schemas';
import { watch } from '../../../services/shared/consul/watch';
import { FailoverStamps, LogLine, agentKnewAt, parseTimestampedLog, renderStepsAfter } from './breakdown';

/** `docker logs --timestamps` of a container since `sinceMs` (1 s earlier: `since` is whole seconds), in time order. */
export async function timestampedLogs(docker: Docker, containerId: string, sinceMs: number): Promise<LogLine[]> {
  const c = docker.getContainer(containerId);
  const info = await c.inspect();
  const buf = (await c.logs({
    stdout: true,
    stderr: true,
    follow: false,
    timestamps: true,
    since: Math.floor(sinceMs / 1000) - 1,
  })) as unknown;
  const { stdout, stderr } = demuxDockerLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)), info.Config.Tty);
  return [...parseTimestampedLog(stdout), ...parseTimestampedLog(stderr)].sort((a, b) => a.at - b.at);
}

/** timestampedLogs, asked twice before giving up (a busy Docker engine can time out once); [] then. */
async function logsOrNone(docker: Docker, containerId: string, sinceMs: number): Promise<LogLine[]> {
  return timestampedLogs(docker, containerId, sinceMs).catch(() => timestampedLogs(docker, containerId, sinceMs).catch(() => []));
}

/**
 * A blocking query on host-a's agent (the agent consul-template asks) for workshop's passing instances, through the
 * gateway's watch: `gone` resolves with the epoch ms of the answer that no longer lists `serviceId` (undefined if
 * stopped first). `ready` resolves once the first answer is in, so the query already waits when the action happens.
 * A busy machine can drop one answer (reset, timeout): the watch asks again 50 ms later.
 */
export function watchLeavesPassing(
  consulUrl: string,
  serviceId: string,
): { ready: Promise<void>; gone: Promise<number | undefined>; stop: () => void } {
  // No token, as the bench's own lab has no ACLs.
  const consul = createConsulClient(parseConsulHttpAddr(consulUrl), { token: '' });
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (markReady = r));
  let markGone: (at: number | undefined) => void = () => undefined;
  const gone = new Promise<number | undefined>((r) => (markGone = r));
  let first = true;
  const w = watch({
    consul,
    method: consul.health.service,
    options: { service: WORKSHOP_SERVICE_NAME, passing: 'true' },
    waitMs: 30_000,
    retryMinMs: 50,
    retryMaxMs: 50,
    onData: (body) => {
      const at = Date.now();
      const listed = readAs('health/service', body, healthEntriesSchema).some((e) => e.Service.ID === serviceId);
      if (first) {
        first = false;
        markReady();
      } else if (!listed) {
        markGone(at);
        void w.stop();
      }
    },
    onError: () => undefined,
  });
  return {
    ready,
    gone,
    stop: () => {
      markReady();
      markGone(undefined);
      void w.stop();
    },
  };
}

/**
 * Everything but `action` and `wokeUp` of a trial's stamps, from the logs: the instance's host agent (either
 * host's, whichever logged it) and the nginx container (consul-template's render, apply-render.sh's timing, the
 * master's reload).
 */
export async function stampsFromLogs(
  lab: BenchLab,
  serviceId: string,
  action: number,
  wokeUp: number | undefined,
): Promise<FailoverStamps> {
  const containers = await lab.containers();
  const stamps: FailoverStamps = { action, ...(wokeUp !== undefined ? { wokeUp } : {}) };
  const knownAt: number[] = [];
  for (const h of LAB_HOSTS) {
    const agent = findRunning(containers, h.agentService);
    if (!agent) continue;
    const at = agentKnewAt(await logsOrNone(lab.docker, agent.id, action), serviceId, action);
    if (at !== undefined) knownAt.push(at);
  }
  if (knownAt.length) stamps.known = Math.min(...knownAt);
  const nginx = findRunning(containers, NGINX_SERVICE);
  if (nginx) {
    // The first render once the agent knew (our own query's wake-up may come a few ms after consul-template's).
    const after = stamps.known ?? action;
    Object.assign(stamps, renderStepsAfter(await logsOrNone(lab.docker, nginx.id, action), after));
  }
  return stamps;
}
