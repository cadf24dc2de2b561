/*
 * Pure views of Consul's answers: the servers and their quorum, the hosts (client agents) with their
 * serfHealth and services. Input is whatever Consul (or something pretending to be it) sent, so every
 * field is read through the gateway's schemas (services/shared/consul/schemas.ts) rather than trusted.
 */
import { checksSchema, listOrEmpty, membersSchema } from '../shared/consul/schemas';
import type { LiveStatus } from './history';

/** GET /v1/agent/members, the fields used. Status: 0 none, 1 alive, 2 leaving, 3 left, 4 failed (serf). */
export interface Member {
  Name: string;
  Addr: string;
  Status: number;
  Tags: Record<string, string>;
}

/** One row of GET /v1/health/state/any. ServiceID "" = a node-level check (serfHealth). */
export interface StateCheck {
  Node: string;
  CheckID: string;
  Status: string;
  ServiceID: string;
  ServiceName: string;
}

export type MemberStatus = 'alive' | 'leaving' | 'left' | 'failed' | 'unknown';

export interface ServerView {
  name: string;
  address: string;
  status: MemberStatus;
  voter: boolean;
  leader: boolean;
}

export interface ClusterView {
  servers: ServerView[];
  leader: string | null;
  voters: number;
  votersAlive: number;
  quorum: boolean;
  summary: string;
}

export interface ServiceOnHost {
  id: string;
  name: string;
  status: LiveStatus;
}

export interface HostView {
  name: string;
  status: MemberStatus;
  /** The node's serfHealth check; null when Consul has none for it. */
  serf: LiveStatus | null;
  services: ServiceOnHost[];
}

export function memberStatus(code: unknown): MemberStatus {
  switch (code) {
    case 1:
      return 'alive';
    case 2:
      return 'leaving';
    case 3:
      return 'left';
    case 4:
      return 'failed';
    default:
      return 'unknown';
  }
}

/** Consul's check statuses as the page knows them; maintenance and anything unknown count as critical. */
export function liveStatus(s: unknown): LiveStatus {
  return s === 'passing' ? 'passing' : s === 'warning' ? 'warning' : 'critical';
}

const RANK: Record<LiveStatus, number> = { passing: 0, warning: 1, critical: 2 };

/** An instance is as healthy as its worst check, as Consul's own filtering (`?passing`) treats it. */
export function worstStatus(statuses: Iterable<unknown>): LiveStatus {
  let worst: LiveStatus = 'passing';
  for (const s of statuses) {
    const l = liveStatus(s);
    if (RANK[l] > RANK[worst]) worst = l;
  }
  return worst;
}

/** Only well-formed members (the gateway's schema; one without a name is skipped): never a crash. */
export function toMembers(body: unknown): Member[] {
  return listOrEmpty(membersSchema, body).filter((m) => m.Name !== '');
}

/** Only well-formed checks (the gateway's schema; one without a node is skipped). */
export function toStateChecks(body: unknown): StateCheck[] {
  return listOrEmpty(checksSchema, body)
    .filter((c) => c.Node !== '')
    .map(({ Node, CheckID, Status, ServiceID, ServiceName }) => ({ Node, CheckID, Status, ServiceID, ServiceName }));
}

/** `ip:port` as raft writes a peer, IPv6 in brackets. */
const raftAddress = (addr: string, port: string): string => `${addr.includes(':') ? `[${addr}]` : addr}:${port}`;

const isServer = (m: Member): boolean => m.Tags.role === 'consul';

/**
 * `leader` and `peers` as /v1/status/leader and /v1/status/peers answer ("" / [] when there is no leader);
 * `peers` null when that call failed, in which case every server member that has not left counts as a voter.
 */
export function clusterView(members: readonly Member[], leader: string, peers: readonly string[] | null): ClusterView {
  const servers = members.filter(isServer);
  const byAddr = new Map(servers.map((m) => [raftAddress(m.Addr, m.Tags.port ?? '8300'), m]));
  const views: ServerView[] = servers.map((m) => {
    const addr = raftAddress(m.Addr, m.Tags.port ?? '8300');
    return {
      name: m.Name,
      address: addr,
      status: memberStatus(m.Status),
      voter: peers ? peers.includes(addr) : memberStatus(m.Status) !== 'left',
      leader: leader !== '' && addr === leader,
    };
  });
  // A raft peer gossip does not know (yet): still a voter, shown by its address.
  for (const p of peers ?? []) {
    if (!byAddr.has(p)) views.push({ name: p, address: p, status: 'unknown', voter: true, leader: p === leader });
  }
  views.sort((a, b) => a.name.localeCompare(b.name));
  const voters = views.filter((v) => v.voter);
  const votersAlive = voters.filter((v) => v.status === 'alive').length;
  const leaderView = views.find((v) => v.leader);
  const leaderName = leaderView ? leaderView.name : leader || null;
  const quorum = leaderName !== null && voters.length > 0 && votersAlive > voters.length / 2;
  const summary = leaderName
    ? `${votersAlive} of ${voters.length} voters alive, leader ${leaderName}`
    : `no leader (${votersAlive} of ${voters.length} voters alive)`;
  return { servers: views, leader: leaderName, voters: voters.length, votersAlive, quorum, summary };
}

/** Client nodes (every member that is not a server, plus nodes only the catalog knows) with their services. */
export function hostsView(members: readonly Member[], checks: readonly StateCheck[]): HostView[] {
  const serverNames = new Set(members.filter(isServer).map((m) => m.Name));
  const hosts = new Map<string, HostView>();
  for (const m of members) {
    if (!isServer(m)) hosts.set(m.Name, { name: m.Name, status: memberStatus(m.Status), serf: null, services: [] });
  }
  const instances = new Map<string, Map<string, { name: string; statuses: string[] }>>();
  for (const c of checks) {
    if (serverNames.has(c.Node)) continue;
    let host = hosts.get(c.Node);
    if (!host) {
      host = { name: c.Node, status: 'unknown', serf: null, services: [] };
      hosts.set(c.Node, host);
    }
    if (c.ServiceID === '') {
      if (c.CheckID === 'serfHealth') host.serf = liveStatus(c.Status);
      continue;
    }
    let byId = instances.get(c.Node);
    if (!byId) instances.set(c.Node, (byId = new Map()));
    const inst = byId.get(c.ServiceID) ?? { name: c.ServiceName, statuses: [] };
    inst.statuses.push(c.Status);
    byId.set(c.ServiceID, inst);
  }
  // Node-level checks fail every service on the node, as Consul's health endpoints say.
  const nodeChecks = new Map<string, string[]>();
  for (const c of checks) if (c.ServiceID === '') nodeChecks.set(c.Node, [...(nodeChecks.get(c.Node) ?? []), c.Status]);
  for (const [node, byId] of instances) {
    const host = hosts.get(node)!;
    for (const [id, inst] of byId) {
      host.services.push({ id, name: inst.name, status: worstStatus([...inst.statuses, ...(nodeChecks.get(node) ?? [])]) });
    }
    host.services.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }
  return [...hosts.values()].sort((a, b) => a.name.localeCompare(b.name));
}
