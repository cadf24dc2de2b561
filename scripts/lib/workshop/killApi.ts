/**
 * lab:kill-api: stop one workshop-api container and time when it left each place that routes to it: container
 * stopped → out of Consul's passing set → gone from Nginx's upstream and page.
 */
import { WORKSHOP_META } from '../../../services/workshop-api/names';
import { runTimedExperiment, timelineTitle } from '../experiment/engine';
import { liveCommandIo, type CommandIo } from '../lab/commandIo';
import type { Lab } from '../lab/openLab';
import { formatSeconds } from '../term/table';
import { pickDefault, requireTargets, resolveTarget } from './instances';
import { restoreCommand, restoreHint } from './restoreHint';
import { goneEvents, loadApiWatch, lookAtInstances, snapshot, watchedFrom } from './watch';

export const KILL_API_POLL_MS = 100;

export interface KillApiOptions {
  /** The instance as the user named it; default: one running instance. */
  name?: string;
  /** SIGKILL instead of docker stop. */
  hard: boolean;
  timeoutMs: number;
}

/** Stop (or kill) one instance and print its timeline; 0 when every expected event was seen in time, else 1. */
export async function killApi(lab: Lab, opts: KillApiOptions, io: CommandIo = liveCommandIo()): Promise<number> {
  const { registrations, targets, nginx, sides } = await loadApiWatch(lab.docker, lab.consul, lab.endpoints.nginxUrl, lab.containers);
  requireTargets(targets, lab.project);
  const target = opts.name !== undefined ? resolveTarget(targets, opts.name) : pickDefault(targets);
  if (!target) throw new Error(`no workshop-api instance is running; ${restoreHint(lab.project)}`);
  if (target.container.state !== 'running') {
    throw new Error(
      `${target.name} (${target.container.name}) is already ${target.container.state}; ${restoreHint(lab.project, target.name)}`,
    );
  }
  const watched = watchedFrom(target);
  const container = lab.docker.getContainer(target.container.id);
  const how = opts.hard
    ? 'docker kill (SIGKILL: no chance to deregister)'
    : 'docker stop (SIGTERM: the instance deregisters itself, SIGKILL after 10 s)';
  const instance = [{ containerId: target.container.id, instance: watched, events: goneEvents }];

  return runTimedExperiment(
    {
      snapshot: () => snapshot(sides, target.container.id, watched, new Set(['consul', 'upstream', 'page']), io.now),
      intro: () => [
        `Stopping ${target.name} (container ${target.container.name}${watched.address ? `, ${watched.address}` : ''}) with ${how}`,
      ],
      start: { key: 'sent', label: opts.hard ? 'SIGKILL sent' : 'docker stop sent' },
      expected: () => [
        { key: 'stopped', label: 'container stopped' },
        { key: 'consul', label: "out of Consul's passing set" },
        ...(nginx ? [{ key: 'upstream', label: 'gone from the Nginx upstream behind /api/' }] : []),
        { key: 'page', label: 'gone from the Nginx page' },
      ],
      // The container's own stop is the action's effect: always timed.
      already: { events: (before) => goneEvents(before, watched).filter((e) => e.key !== 'stopped'), note: 'already before the stop' },
      act: () => (opts.hard ? container.kill({ signal: 'SIGKILL' }) : container.stop({ t: 10 })),
      // A graceful stop runs on: Consul and Nginx usually drop the instance before `docker stop` returns.
      actTiming: opts.hard ? 'await' : 'background',
      actFailed: (err) => new Error(`docker stop ${target.container.name}: ${err.message}`),
      look: (timeline) => lookAtInstances(sides, timeline, instance, false, io.now),
      pollMs: KILL_API_POLL_MS,
      timeoutMs: opts.timeoutMs,
      title: timelineTitle(`${opts.hard ? 'hard kill' : 'graceful stop'} of ${target.name}`, KILL_API_POLL_MS, formatSeconds),
      notSeen: `not seen in ${formatSeconds(opts.timeoutMs)}`,
      outro: async (_before, _timeline, say) => {
        const left = registrations
          .filter((r) => r.id !== target.serviceId && r.status === 'passing')
          .map((r) => r.meta[WORKSHOP_META.name] || r.id);
        if (left.length) say(`Still serving: ${left.join(', ')}`);
        say(`Bring it back: ${restoreCommand(lab.project, target.name)}   (or: docker start ${target.container.name})`);
      },
    },
    io,
  );
}
