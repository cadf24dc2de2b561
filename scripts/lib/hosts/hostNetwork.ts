/**
 * A simulated host's link to the lab network: the host's owner container (host-b) holds the network namespace
 * its agent and services share, so disconnecting that one container partitions the whole host — no packets in
 * or out for any process on it — and connecting it again heals it.
 */
import type Docker from 'dockerode';
import { LabNotUpError } from '../docker/labContainers';
import { PROJECT_LABEL, type LabHost } from '../docker/labServices';

/** Compose's label on the networks it creates: the network's key in docker-compose.yml ("lab"). */
export const NETWORK_LABEL = 'com.docker.compose.network';
/** The lab network's key in docker-compose.yml. */
export const LAB_NETWORK_KEY = 'lab';

export interface LabNetwork {
  id: string;
  /** Docker's name: <project>_lab. */
  name: string;
  /** "10.213.50.0/24", when its IPAM says. */
  subnet?: string;
}

/** A host's endpoint on the lab network: what a heal must give it back. */
export interface HostEndpoint {
  ip: string;
  aliases: string[];
}

type NetworkInfo = Pick<Docker.NetworkInspectInfo, 'Id' | 'Name' | 'Labels'> & {
  IPAM?: { Config?: Array<{ Subnet?: string }> | null } | null;
};

/** The project's lab network among `networks`: by Compose's labels, else by its default name <project>_lab. */
export function pickLabNetwork(networks: NetworkInfo[], project: string): LabNetwork | undefined {
  const byLabel = networks.find((n) => n.Labels?.[PROJECT_LABEL] === project && n.Labels?.[NETWORK_LABEL] === LAB_NETWORK_KEY);
  const net = byLabel ?? networks.find((n) => n.Name === `${project}_${LAB_NETWORK_KEY}`);
  if (!net) return undefined;
  const subnet = (net.IPAM?.Config ?? []).map((c) => c.Subnet).find((s): s is string => !!s && s.includes('.'));
  return { id: net.Id, name: net.Name, subnet };
}

export async function findLabNetwork(docker: Docker, project: string): Promise<LabNetwork> {
  const list = (await docker.listNetworks({ filters: { label: [`${PROJECT_LABEL}=${project}`] } })) as NetworkInfo[];
  let net = pickLabNetwork(list, project);
  if (!net) {
    try {
      net = pickLabNetwork([(await docker.getNetwork(`${project}_${LAB_NETWORK_KEY}`).inspect()) as NetworkInfo], project);
    } catch {
      // not there either: the message below says what to do
    }
  }
  if (!net) throw new LabNotUpError(`lab "${project}" has no network "${project}_${LAB_NETWORK_KEY}": start it with \`npm run lab:up\``);
  return net;
}

type EndpointInfo = { NetworkID?: string; IPAddress?: string; IPAMConfig?: { IPv4Address?: string } | null; Aliases?: string[] | null };

/** The container's endpoint on `net` (from inspect's NetworkSettings.Networks), or undefined when it is not connected. */
export function endpointOn(networks: Record<string, EndpointInfo> | undefined | null, net: LabNetwork): HostEndpoint | undefined {
  const entry = Object.entries(networks ?? {}).find(([name, e]) => name === net.name || (!!e.NetworkID && e.NetworkID === net.id));
  if (!entry) return undefined;
  const e = entry[1];
  return { ip: e.IPAMConfig?.IPv4Address || e.IPAddress || '', aliases: [...(e.Aliases ?? [])] };
}

/**
 * The host's fixed IP: the subnet's first three octets + the host's suffix (docker-compose.yml gives host-a .21,
 * host-b .22). A partitioned container has no endpoint left to read its IP from, so a heal derives it.
 */
export function hostIp(subnet: string | undefined, suffix: number): string {
  const m = subnet ? /^(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}\/24$/.exec(subnet) : null;
  if (!m) throw new Error(`the lab network's subnet is ${subnet ? `"${subnet}"` : 'unknown'}, not a /24: cannot work out the host's IP`);
  return `${m[1]}.${suffix}`;
}

/** What a heal connects the host with: its fixed IP and its name as the DNS alias other containers know it by. */
export function healEndpoint(host: LabHost, net: LabNetwork): HostEndpoint {
  return { ip: hostIp(net.subnet, host.ipSuffix), aliases: [host.name] };
}

/** The container's endpoint on the lab network now; undefined = partitioned (not connected). */
export async function currentEndpoint(docker: Docker, containerId: string, net: LabNetwork): Promise<HostEndpoint | undefined> {
  const info = await docker.getContainer(containerId).inspect();
  return endpointOn(info.NetworkSettings.Networks as Record<string, EndpointInfo>, net);
}

/** Partition: take the container off the lab network (Force: even if the engine thinks it is busy). */
export async function disconnectHost(docker: Docker, containerId: string, net: LabNetwork): Promise<void> {
  await docker.getNetwork(net.id).disconnect({ Container: containerId, Force: true });
}

/** Heal: put it back with the same IP and alias, so the servers find the node where they last saw it. */
export async function connectHost(docker: Docker, containerId: string, net: LabNetwork, ep: HostEndpoint): Promise<void> {
  await docker
    .getNetwork(net.id)
    .connect({ Container: containerId, EndpointConfig: { IPAMConfig: { IPv4Address: ep.ip }, Aliases: ep.aliases } });
}
