import { UsageError } from '../../../services/shared/errors';
import { DEFAULT_PROJECT } from '../docker/labContainers';
import { INSTRUCTOR_HOST, LAB_HOSTS, LabHost } from '../docker/labServices';

/** The lab command a host is named for: what the refusal of host-a and the hints say. */
export type HostCommand = 'lab:partition' | 'lab:kill-agent';

/**
 * Why a command refuses the instructor's host (host-a): it publishes everything this machine sees of the lab
 * (the Consul UI/API, DNS, the Nginx page), and the commands watch through it.
 */
export function instructorRefusal(command: HostCommand, host: LabHost, others: string[]): string {
  const instead = others.length ? others.join(' or ') : 'another host';
  if (command === 'lab:partition') {
    return (
      `${host.name} is the instructor's laptop in this lab: it publishes the Consul UI, DNS and the Nginx page on this machine, ` +
      `so partitioning it would cut you off from the lab too; partition ${instead} instead`
    );
  }
  return (
    `${host.name}'s agent is the one this machine talks to: it serves the Consul UI, DNS and the API this command watches ` +
    `through, so with it dead there is nothing left to watch with; kill ${instead}'s agent instead`
  );
}

export interface ResolveHostOptions {
  /** Refuse the instructor's host (usage error) with the reason for this command; false: allow it. */
  refuseInstructor: boolean;
  hosts?: readonly LabHost[];
  instructor?: LabHost;
}

/** The host `arg` names (exactly: "host-b"); an unknown name or a refused host is bad input (exit 2). */
export function resolveHost(command: HostCommand, arg: string | undefined, opts: ResolveHostOptions): LabHost {
  const hosts = opts.hosts ?? LAB_HOSTS;
  const instructor = opts.instructor ?? INSTRUCTOR_HOST;
  const names = hosts.map((h) => h.name);
  const want = (arg ?? '').trim();
  if (!want) throw new UsageError(`name a host: ${names.join(', ')}`);
  const host = hosts.find((h) => h.name === want);
  if (!host) throw new UsageError(`no host named "${want}"; the lab's hosts: ${names.join(', ')}`);
  if (opts.refuseInstructor && host.name === instructor.name) {
    throw new UsageError(
      instructorRefusal(
        command,
        host,
        names.filter((n) => n !== instructor.name),
      ),
    );
  }
  return host;
}

/** `npm run lab:partition -- [-p <project>] [flag] <host>`: the command line a hint prints. */
export function hostCommand(command: HostCommand, project: string, host: string, flag?: string): string {
  const args = [...(project === DEFAULT_PROJECT ? [] : ['-p', project]), ...(flag ? [flag] : []), host];
  return `npm run ${command} -- ${args.join(' ')}`;
}
