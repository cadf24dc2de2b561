/**
 * lab:kill-agent: crash one host's Consul client agent (SIGKILL to its container only; the host's network and
 * services stay up) and time when each part of the lab noticed; then ask the host's workshop instances
 * themselves. `restore` starts the agent again and times the way back.
 */
import { UsageError } from '../../../services/shared/errors';
import { liveCommandIo, type CommandIo } from '../lab/commandIo';
import { resolveProjectName } from '../docker/labContainers';
import { INSTRUCTOR_HOST, type LabHost } from '../docker/labServices';
import type { Lab } from '../lab/openLab';
import { loadApiWatch } from '../workshop/watch';
import { probeHealth, probeLine } from './healthProbe';
import { hostContainer, runOnHost, type HostRunOptions } from './hostExperiment';
import { hostCommand, resolveHost } from './resolveHost';

const NAME = 'lab:kill-agent';

/**
 * The host whose agent to kill (or restore), checked before touching Docker: host-a's agent is the one the
 * command talks to Consul through, refused both ways (killing it, or watching its restore). Bad input: exit 2.
 */
export function agentHost(arg: string | undefined, restore: boolean, projectFlag: string | undefined): LabHost {
  const host = resolveHost(NAME, arg, { refuseInstructor: !restore });
  if (host.name === INSTRUCTOR_HOST.name) {
    // (openLab needs that agent running, and the watch asks Consul through it)
    throw new UsageError(
      `${host.name}'s agent is the one this command talks to Consul through, so it cannot watch it come back: ` +
        `start it with \`docker compose -p ${resolveProjectName(projectFlag)} start ${host.agentService}\` and watch the Consul UI return`,
    );
  }
  return host;
}

/** Kill (or, with `restore`, start) `host`'s agent and print the timeline; 0 when every expected event was seen in time, else 1. */
export async function killAgent(
  lab: Lab,
  host: LabHost,
  opts: HostRunOptions & { restore: boolean },
  io: CommandIo = liveCommandIo(),
): Promise<number> {
  const { restore } = opts;
  const agent = hostContainer(lab, host.agentService);
  const restoreCmd = hostCommand(NAME, lab.project, host.name, '--restore');
  if (!restore && agent.state !== 'running')
    throw new Error(`${host.name}'s agent (${agent.name}) is already ${agent.state}; restore it: ${restoreCmd}`);
  if (restore && agent.state === 'running') {
    io.out(`${host.name}'s agent (${agent.name}) is running; nothing to restore.\n`);
    return 0;
  }

  const container = lab.docker.getContainer(agent.id);
  return runOnHost(
    lab,
    host.name,
    { id: agent.id, name: agent.name },
    opts,
    {
      dir: restore ? 'up' : 'down',
      intro: [
        restore
          ? `Starting ${host.name}'s agent: docker start ${agent.name}`
          : `Crashing ${host.name}'s agent: docker kill ${agent.name} (SIGKILL: no leave, no deregistration)`,
      ],
      start: { key: 'sent', label: restore ? 'docker start sent' : 'SIGKILL sent' },
      act: async () => {
        if (restore) await container.start();
        else await container.kill({ signal: 'SIGKILL' });
      },
      actTiming: 'await',
      alreadyBefore: restore ? 'start' : 'kill',
      titleWhat: `${restore ? 'restore' : 'SIGKILL'} of ${host.name}'s agent`,
      // Ask the host's workshop instances themselves, from inside their containers: the agent is gone, they are not.
      afterTimeline: restore ? undefined : (say) => askInstances(lab, host.name, say),
      closing: [
        restore
          ? `${host.name}'s agent came back with the services and checks it keeps in its data dir (a named volume).`
          : `Bring the agent back: ${restoreCmd}   (or: docker start ${agent.name})`,
      ],
    },
    io,
  );
}

/** One line per running workshop instance registered on `host`, as each answers: what it says about itself on /health. */
async function askInstances(lab: Lab, host: string, say: (line: string) => void): Promise<void> {
  const { targets } = await loadApiWatch(lab.docker, lab.consul, lab.endpoints.nginxUrl, lab.containers);
  const mine = targets.filter((x) => x.container.state === 'running' && x.registration?.node === host);
  for (const x of mine) say(probeLine(x.name, await probeHealth(lab.docker, x.container.id)));
  if (!mine.length) say(`(no running workshop-api instance on ${host} to ask)`);
}
