import { readAs } from '../../services/shared/consul/http';
import { healthEntriesSchema } from '../../services/shared/consul/schemas';
import { WORKSHOP_SERVICE_NAME } from '../../services/workshop-api/names';

/**
 * Registrations written straight into Consul's catalog over its HTTP API, the way ANY process that reaches the
 * agent can make them (the lab runs without ACLs): each on its own external node, with a check that is passing
 * from the start, so consul-template's `service "workshop|passing"` sees it at once.
 *
 * External nodes (not the agent's own) are used on purpose: the agent's anti-entropy would remove services it
 * did not register from its own node, and a node of its own can be deregistered as a whole afterwards.
 * Only the plain catalog API is used (register / deregister / health), which Consul 1.8 and 1.20 treat alike.
 */

export interface CatalogRegistration {
  /** Node name; any string (Consul only requires it to be non-empty). */
  node: string;
  /** The node's address; consul-template falls back to it when the service has no address. */
  nodeAddress: string;
  id: string;
  /** Default `workshop`, the service the lab's templates render. */
  service?: string;
  address: string;
  port: number;
  tags?: string[];
  meta?: Record<string, string>;
}

/** One passing instance as Consul's health endpoint returns it: what consul-template renders from. */
export interface PassingInstance {
  node: string;
  nodeAddress: string;
  id: string;
  /** The service address, or the node's when the service has none (consul-template's rule). */
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
}

export interface RegisterResult {
  ok: boolean;
  status: number;
  /** Consul's answer: `true`, or why it refused. */
  body: string;
}

const TIMEOUT_MS = 5000;
let checkSeq = 0;

async function put(url: string, body: unknown): Promise<RegisterResult> {
  const res = await fetch(url, { method: 'PUT', body: JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) });
  return { ok: res.ok, status: res.status, body: await res.text() };
}

/** PUT /v1/catalog/register: node + service + a passing check on that service. Resolves with Consul's answer (never throws on a refusal). */
export async function catalogRegister(httpUrl: string, r: CatalogRegistration): Promise<RegisterResult> {
  return put(`${httpUrl}/v1/catalog/register`, {
    Node: r.node,
    Address: r.nodeAddress,
    Service: {
      ID: r.id,
      Service: r.service ?? WORKSHOP_SERVICE_NAME,
      Address: r.address,
      Port: r.port,
      Tags: r.tags ?? [],
      Meta: r.meta ?? {},
    },
    // A check ID of our own (not derived from the possibly hostile service ID), unique per registration.
    Check: { CheckID: `test-check-${++checkSeq}`, Name: 'passing (registered by a test)', Status: 'passing', ServiceID: r.id },
  });
}

/** PUT /v1/catalog/deregister of a whole node (its services and checks go with it). Throws if Consul refuses. */
export async function catalogDeregisterNode(httpUrl: string, node: string): Promise<void> {
  const r = await put(`${httpUrl}/v1/catalog/deregister`, { Node: node });
  if (!r.ok) throw new Error(`deregister node ${JSON.stringify(node)}: HTTP ${r.status} ${r.body}`);
}

/** The passing instances of `service` (default `workshop`), as consul-template sees them. */
export async function passingInstances(httpUrl: string, service = WORKSHOP_SERVICE_NAME): Promise<PassingInstance[]> {
  const res = await fetch(`${httpUrl}/v1/health/service/${encodeURIComponent(service)}?passing`, {
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`health/service/${service}: HTTP ${res.status}`);
  // Through the gateway's schema (not a list: a ConsulError naming the call), as the services read it.
  const entries = readAs(`GET /v1/health/service/${service}?passing`, (await res.json()) as unknown, healthEntriesSchema);
  return entries.map((e) => ({
    node: e.Node.Node,
    nodeAddress: e.Node.Address,
    id: e.Service.ID,
    address: e.Service.Address || e.Node.Address,
    port: e.Service.Port,
    tags: e.Service.Tags,
    meta: e.Service.Meta,
  }));
}
