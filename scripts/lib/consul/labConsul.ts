import type { ConsulClient } from '../../../services/shared/consul/client';
import { withTimeout } from '../../../services/shared/async';
import { errorMessage } from '../../../services/shared/errors';
import { ConsulError, consulErrorDetail, hintFor } from '../../../services/shared/consul/errors';
import { consulRequest, readAs } from '../../../services/shared/consul/http';
import {
  agentSelfSchema,
  catalogServicesSchema,
  datacentersSchema,
  intentionsSchema,
  healthEntriesSchema,
  membersSchema,
  serfStatus,
  type SerfStatus,
} from '../../../services/shared/consul/schemas';

export type MemberStatus = SerfStatus;

export interface Member {
  name: string;
  address: string;
  role: 'server' | 'client';
  status: MemberStatus;
  leader: boolean;
}

export type CheckStatus = 'passing' | 'warning' | 'critical';

export interface ServiceInstance {
  id: string;
  service: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  node: string;
  /** The worst of its checks (service checks and the node's serfHealth), as Consul's ?passing filter sees it. */
  status: CheckStatus;
}

export interface ServiceHealthCounts {
  service: string;
  passing: number;
  warning: number;
  critical: number;
}

/** /v1/agent/members → members with role and status; `leader` is /v1/status/leader ("ip:8300" or ""). */
export function parseMembers(raw: unknown[], leader: string | undefined): Member[] {
  // "ip:port": in classroom mode the three servers share one advertised (LAN) address and differ by RPC port.
  const leaderIp = (leader ?? '').replace(/:\d+$/, '');
  const leaderPort = /:(\d+)$/.exec(leader ?? '')?.[1];
  return readAs('agent/members', raw, membersSchema)
    .map((m) => {
      const role: Member['role'] = m.Tags.role === 'consul' ? 'server' : 'client';
      return {
        name: m.Name,
        address: m.Addr,
        role,
        status: serfStatus(m.Status),
        leader:
          role === 'server' &&
          leaderIp !== '' &&
          m.Addr === leaderIp &&
          (leaderPort === undefined || m.Tags.port === undefined || m.Tags.port === leaderPort),
      };
    })
    .sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'server' ? -1 : 1));
}

const SEVERITY: Record<CheckStatus, number> = { passing: 0, warning: 1, critical: 2 };

export function worstStatus(statuses: string[]): CheckStatus {
  let worst: CheckStatus = 'passing';
  for (const s of statuses) {
    const st: CheckStatus = s === 'passing' || s === 'warning' ? s : 'critical'; // "maintenance" etc. count as critical
    if (SEVERITY[st] > SEVERITY[worst]) worst = st;
  }
  return worst;
}

/** /v1/health/service/<name> entries → instances, each with its overall status. */
export function parseHealthEntries(raw: unknown[]): ServiceInstance[] {
  return readAs('health/service', raw, healthEntriesSchema).map((e) => ({
    id: e.Service.ID,
    service: e.Service.Service,
    // An empty service Address means "the node's address" in Consul.
    address: e.Service.Address || e.Node.Address,
    port: e.Service.Port,
    tags: e.Service.Tags,
    meta: e.Service.Meta,
    node: e.Node.Node,
    status: worstStatus(e.Checks.map((c) => c.Status)),
  }));
}

export function countByStatus(service: string, instances: ServiceInstance[]): ServiceHealthCounts {
  const counts: ServiceHealthCounts = { service, passing: 0, warning: 0, critical: 0 };
  for (const i of instances) counts[i.status] += 1;
  return counts;
}

/** The queries the lab scripts make, over the repo's one Consul client. */
export class LabConsul {
  constructor(
    private readonly consul: ConsulClient,
    private readonly baseUrl: string,
    private readonly timeoutMs = 3000,
  ) {}

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(fn(), this.timeoutMs, what);
    } catch (err) {
      const detail = consulErrorDetail(err);
      throw new ConsulError(`Consul at ${this.baseUrl} (${what}): ${errorMessage(err).split('\n')[0]}`, {
        what,
        status: detail.status,
        reason: detail.reason.split('\n')[0],
        ...(detail.status === undefined ? { hint: hintFor(undefined) } : {}),
        cause: err,
      });
    }
  }

  /** "" when the cluster has no leader (Consul answers 200 with an empty string). */
  async leader(): Promise<string> {
    // The client hands back Consul's `""` (no leader) as undefined: normalise to "".
    const l: unknown = await this.call('status/leader', () => this.consul.status.leader());
    return typeof l === 'string' ? l : '';
  }

  /** The agent's Consul version ("1.20.5"), or "unknown" when its answer does not say. */
  async version(): Promise<string> {
    const self: unknown = await this.call('agent/self', () => this.consul.agent.self());
    return readAs('agent/self', self, agentSelfSchema).Config.Version || 'unknown';
  }

  async members(): Promise<Member[]> {
    const [raw, leader] = await Promise.all([this.call('agent/members', () => this.consul.agent.members()), this.leader().catch(() => '')]);
    return parseMembers(raw, leader);
  }

  /** Service names in the catalog. `stale` lets any server answer, so this works without a leader. */
  async serviceNames(stale = false): Promise<string[]> {
    const opts = { stale } as { dc?: string }; // the typings omit the consistency flags the HTTP API takes
    const list = await this.call('catalog/services', () => this.consul.catalog.service.list(opts));
    return Object.keys(readAs('catalog/services', list, catalogServicesSchema)).sort();
  }

  /** Every registered instance of `service` with its overall status (in datacenter `dc` when given). */
  async instances(service: string, opts: { passingOnly?: boolean; stale?: boolean; dc?: string } = {}): Promise<ServiceInstance[]> {
    // The typings omit the consistency flags the client passes through; the HTTP API takes them.
    const q = { service, passing: !!opts.passingOnly, stale: !!opts.stale, ...(opts.dc ? { dc: opts.dc } : {}) } as {
      service: string;
      passing?: boolean;
    };
    const raw = await this.call(`health/service/${service}${opts.dc ? `?dc=${opts.dc}` : ''}`, () => this.consul.health.service(q));
    return parseHealthEntries(raw).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The datacenters this one knows over the WAN (GET /v1/catalog/datacenters), nearest first. */
  async datacenters(): Promise<string[]> {
    return readAs(
      'catalog/datacenters',
      await this.call('catalog/datacenters', () => this.consul.catalog.datacenters()),
      datacentersSchema,
    );
  }

  /** Every intention (GET /v1/connect/intentions; the client has no call for it): source, destination, action ("" = L7). */
  async intentions(): Promise<Array<{ source: string; destination: string; action: string }>> {
    const list = await this.call('connect/intentions', () =>
      consulRequest(
        { baseUrl: this.baseUrl, token: process.env.CONSUL_HTTP_TOKEN, timeoutMs: this.timeoutMs },
        { path: '/v1/connect/intentions', schema: intentionsSchema },
      ),
    );
    return list.map((i) => ({ source: i.SourceName, destination: i.DestinationName, action: i.Action }));
  }

  /**
   * Counts per service. `expected` services are listed even when the catalog has none of them right now:
   * a lone demo server is missing from the catalog between its deregister and register, and "0 passing"
   * is exactly what students should see then.
   */
  async healthCounts(stale = false, expected: string[] = []): Promise<ServiceHealthCounts[]> {
    const names = [...new Set([...(await this.serviceNames(stale)), ...expected])].sort();
    return Promise.all(names.map(async (n) => countByStatus(n, await this.instances(n, { stale }))));
  }
}
