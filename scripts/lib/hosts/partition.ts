/**
 * lab:partition: cut one simulated host off the lab network (its owner container, whose network namespace the
 * host's agent and services share, is disconnected) and time when each part of the lab noticed; `heal` connects it
 * again with the same IP and alias and times the way back.
 */
import { liveCommandIo, type CommandIo } from '../lab/commandIo';
import type { LabHost } from '../docker/labServices';
import type { Lab } from '../lab/openLab';
import { hostContainer, runOnHost, type HostRunOptions } from './hostExperiment';
import {
  connectHost,
  currentEndpoint,
  disconnectHost,
  findLabNetwork,
  healEndpoint,
  type HostEndpoint,
  type LabNetwork,
} from './hostNetwork';
import { hostCommand } from './resolveHost';

const NAME = 'lab:partition';

export const HEALING =
  "Healing needs nothing on the host: once packets flow, its memberlist hears the servers' gossip that it is dead " +
  '(they keep gossiping to a dead node for 30 s) and refutes it; after a longer partition, serf on both sides retries ' +
  'failed members every 30 s, so the way back can take up to ~30 s longer.';

/** The IP --heal will give the host back, when the network's subnet says. */
export function derivedIp(host: LabHost, net: LabNetwork): string | undefined {
  try {
    return healEndpoint(host, net).ip;
  } catch {
    return undefined;
  }
}

/** What is printed before the cut: the docker command it amounts to, and a note when --heal will move the host. */
export function partitionIntro(host: LabHost, net: LabNetwork, owner: string, ep: HostEndpoint): string[] {
  const lines = [
    `Cutting ${host.name} off the lab network: docker network disconnect ${net.name} ${owner} ` +
      `(${ep.ip}, aliases ${ep.aliases.join(', ') || 'none'})`,
  ];
  const derived = derivedIp(host, net);
  if (derived && derived !== ep.ip)
    lines.push(`Note: ${host.name} is on ${ep.ip}, not ${derived}; --heal will bring it back on ${derived}.`);
  return lines;
}

/** What is printed before the heal: the docker command it amounts to. */
export function healIntro(host: LabHost, net: LabNetwork, owner: string, ep: HostEndpoint): string {
  const aliases = ep.aliases.map((a) => `--alias ${a} `).join('');
  return `Reconnecting ${host.name}: docker network connect --ip ${ep.ip} ${aliases}${net.name} ${owner}`;
}

export interface PartitionOptions extends HostRunOptions {
  heal: boolean;
}

/** Partition (or heal) `host` and print the timeline; 0 when every expected event was seen in time, else 1. */
export async function partition(lab: Lab, host: LabHost, opts: PartitionOptions, io: CommandIo = liveCommandIo()): Promise<number> {
  const { heal } = opts;
  const owner = hostContainer(lab, host.name);
  if (owner.state !== 'running')
    throw new Error(`${host.name}'s container ${owner.name} is ${owner.state}: start it with \`docker start ${owner.name}\``);
  const net = await findLabNetwork(lab.docker, lab.project);
  const endpoint = await currentEndpoint(lab.docker, owner.id, net);
  const healCmd = hostCommand(NAME, lab.project, host.name, '--heal');
  if (!heal && !endpoint) throw new Error(`${host.name} is already partitioned (${owner.name} is not on ${net.name}); heal it: ${healCmd}`);
  if (heal && endpoint) {
    io.out(`${host.name} is not partitioned: ${owner.name} is on ${net.name} as ${endpoint.ip}; nothing to heal.\n`);
    return 0;
  }

  const back = heal ? healEndpoint(host, net) : undefined;
  return runOnHost(
    lab,
    host.name,
    undefined,
    opts,
    {
      dir: heal ? 'up' : 'down',
      intro: back ? [healIntro(host, net, owner.name, back)] : partitionIntro(host, net, owner.name, endpoint!),
      start: {
        key: 'action',
        label: heal ? `${host.name} reconnected to the lab network` : `${host.name} disconnected from the lab network`,
      },
      act: () => (back ? connectHost(lab.docker, owner.id, net, back) : disconnectHost(lab.docker, owner.id, net)),
      // The timeline starts when Docker has answered: from then on the host is cut off (or connected again).
      actTiming: 'then-clock',
      alreadyBefore: heal ? 'heal' : 'partition',
      titleWhat: `${heal ? 'heal' : 'partition'} of ${host.name}`,
      closing: heal
        ? [HEALING]
        : [
            `${host.name}'s agent and services are still running, cut off: \`docker exec ${owner.name} cat /proc/net/dev\` shows only lo.`,
            `Heal it: ${healCmd}`,
          ],
    },
    io,
  );
}
