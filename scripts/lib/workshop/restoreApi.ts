/**
 * lab:restore-api: start stopped workshop-api containers again (docker start) and time when each is back:
 * running → healthy → passing in Consul → in Nginx.
 */
import { runTimedExperiment } from '../experiment/engine';
import { liveCommandIo, type CommandIo } from '../lab/commandIo';
import type { WatchEvent } from '../experiment/watch';
import type { Lab } from '../lab/openLab';
import { requireTargets, resolveTarget, type WorkshopTarget } from './instances';
import { backEvents, loadApiWatch, lookAtInstances, watchedFrom, type WatchedTarget } from './watch';

export const RESTORE_API_POLL_MS = 200;

export interface RestoreApiOptions {
  /** Instances as the user named them; none: every stopped workshop-api container. */
  names: string[];
  timeoutMs: number;
}

/** What one restored instance is expected to show, prefixed for a shared timeline ("api-b1: ..." when several). */
export function restoreExpectations(toStart: WorkshopTarget[], nginxUpstream: boolean): WatchEvent[] {
  return toStart.flatMap((t) => {
    const who = toStart.length > 1 ? `${t.name}: ` : '';
    return [
      { key: `${t.name}/running`, label: `${who}container running` },
      { key: `${t.name}/healthy`, label: `${who}Docker healthcheck healthy` },
      { key: `${t.name}/consul`, label: `${who}back in Consul's passing set` },
      ...(nginxUpstream ? [{ key: `${t.name}/upstream`, label: `${who}back in the Nginx upstream behind /api/` }] : []),
      { key: `${t.name}/page`, label: `${who}back on the Nginx page` },
    ];
  });
}

/** Start the chosen instances and print their way back; 0 when every expected event was seen in time, else 1. */
export async function restoreApi(lab: Lab, opts: RestoreApiOptions, io: CommandIo = liveCommandIo()): Promise<number> {
  const { targets, nginx, sides } = await loadApiWatch(lab.docker, lab.consul, lab.endpoints.nginxUrl, lab.containers);
  requireTargets(targets, lab.project);
  const { names } = opts;
  const chosen = names.length ? names.map((n) => resolveTarget(targets, n)) : targets.filter((t) => t.container.state !== 'running');
  const toStart = chosen.filter((t) => t.container.state !== 'running');
  for (const t of chosen) if (t.container.state === 'running') io.out(`${t.name} (${t.container.name}) is already running\n`);
  if (toStart.length === 0) {
    if (!names.length) io.out('Every workshop-api instance is running; nothing to restore.\n');
    return 0;
  }

  const every = new Set(['container', 'consul', 'upstream', 'page']);
  const watched: WatchedTarget[] = toStart.map((t) => ({
    containerId: t.container.id,
    instance: watchedFrom(t),
    events: backEvents,
    keyPrefix: `${t.name}/`,
    labelPrefix: toStart.length > 1 ? `${t.name}: ` : '',
    sides: () => every,
  }));
  return runTimedExperiment(
    {
      // Nothing to look at first: a stopped instance is out everywhere.
      snapshot: async () => undefined,
      intro: () => [`Starting ${toStart.map((t) => `${t.name} (${t.container.name})`).join(', ')} with docker start`],
      start: { key: 'sent', label: 'docker start sent' },
      expected: () => restoreExpectations(toStart, !!nginx),
      act: async () => {
        await Promise.all(toStart.map((t) => lab.docker.getContainer(t.container.id).start()));
      },
      actTiming: 'await',
      // The address can change on restart (new container IP): followAddress tracks what Consul says now.
      look: (timeline) => lookAtInstances(sides, timeline, watched, true, io.now),
      pollMs: RESTORE_API_POLL_MS,
      timeoutMs: opts.timeoutMs,
      title: `Timeline (restore; polled every ${RESTORE_API_POLL_MS} ms)`,
      notSeen: 'not seen yet',
    },
    io,
  );
}
