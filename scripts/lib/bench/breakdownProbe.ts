import type Docker from 'dockerode';
import { demuxDockerLogs } from '../docker/engine';
import { LAB_HOSTS, NGINX_SERVICE } from '../docker/labServices';
import { findRunning } from '../docker/labContainers';
import { WORKSHOP_SERVICE_NAME } from '../../../services/workshop-api/names';
import type { BenchLab } from './benchLab';
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

/**
 * A blocking query on host-a's agent (the agent consul-template asks) for workshop's passing instances: `gone`
 * resolves with the epoch ms of the answer that no longer lists `serviceId` (undefined if stopped first).
 * `ready` resolves once the first answer is in, so the query already waits when the action happens.
 */
export function watchLeavesPassing(
  consulUrl: string,
  serviceId: string,
): { ready: Promise<void>; gone: Promise<number | undefined>; stop: () => void } {
  const ac = new AbortController();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (markReady = r));
  const gone = (async (): Promise<number | undefined> => {
    let index = '0';
    let first = true;
    try {
      while (!ac.signal.aborted) {
        const url = `${consulUrl}/v1/health/service/${WORKSHOP_SERVICE_NAME}?passing=1${first ? '' : `&index=${index}&wait=30s`}`;
        const res = await fetch(url, { signal: ac.signal });
        const at = Date.now();
        const body = (await res.json()) as Array<{ Service: { ID: string } }>;
        const next = res.headers.get('x-consul-index') ?? '0';
        index = Number(next) < Number(index) ? '0' : next;
        const listed = body.some((e) => e.Service.ID === serviceId);
        if (first) {
          first = false;
          markReady();
        } else if (!listed) return at;
      }
    } catch {
      // aborted (or the agent went away): no time
    } finally {
      markReady();
    }
    return undefined;
  })();
  return { ready, gone, stop: () => ac.abort() };
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
    const at = agentKnewAt(await timestampedLogs(lab.docker, agent.id, action).catch(() => []), serviceId, action);
    if (at !== undefined) knownAt.push(at);
  }
  if (knownAt.length) stamps.known = Math.min(...knownAt);
  const nginx = findRunning(containers, NGINX_SERVICE);
  if (nginx) {
    // The first render once the agent knew (our own query's wake-up may come a few ms after consul-template's).
    const after = stamps.known ?? action;
    Object.assign(stamps, renderStepsAfter(await timestampedLogs(lab.docker, nginx.id, action).catch(() => []), after));
  }
  return stamps;
}
