/*
 * "What the exercises added" (exercises 6, 7, 8), as pure views of Consul's answers: inventory-db's registrations
 * and who made them, the registrator's last handled death, Connect's CA, sidecars and intentions, the datacenters,
 * dc2's workshop instances and the prepared query. Input is whatever Consul sent: read through the gateway's schemas.
 */
import {
  connectCaRootsSchema,
  datacentersSchema,
  healthEntriesSchema,
  intentionsSchema,
  kvEntrySchema,
  listOrEmpty,
  preparedQueriesSchema,
  preparedQueryExecuteSchema,
  registratorLastDieSchema,
} from '../shared/consul/schemas';
import { REGISTERED_BY_META } from '../shared/names';
import { CONNECT_CLIENT_SERVICE, DC2, INVENTORY_DB_SERVICE, PREPARED_QUERY, SIDECAR_SUFFIX } from '../exercises/facts';
import { worstStatus } from './cluster';
import type { LiveStatus } from './history';

export { CONNECT_CLIENT_SERVICE, DC2, INVENTORY_DB_SERVICE, PREPARED_QUERY, SIDECAR_SUFFIX };
/** The two sidecars of exercise 7, in the order the page lists them. */
export const SIDECAR_SERVICES = [`${INVENTORY_DB_SERVICE}${SIDECAR_SUFFIX}`, `${CONNECT_CLIENT_SERVICE}${SIDECAR_SUFFIX}`] as const;

export interface InstanceRow {
  id: string;
  service: string;
  node: string;
  status: LiveStatus;
  /** Meta `registered-by` (agent-config / hand / registrator), "" when the registration does not say. */
  registeredBy: string;
}

export interface LastDieView {
  serviceId: string;
  exitCode: number | null;
  /** From the container's death to the agent's answer to the deregistration. */
  ms: number;
  deregisteredAt: string;
}

export interface IntentionView {
  source: string;
  destination: string;
  /** allow / deny; "L7" for an intention with permissions instead of one action. */
  action: string;
}

export interface QueryView {
  name: string;
  service: string;
  failoverDatacenters: string[];
  /** Where it answers from now; null before the first execution or when it failed (`error` says why). */
  answer: { datacenter: string; failovers: number; instances: string[] } | null;
  error: string | null;
}

export interface ExercisesView {
  registration: { inventoryDb: InstanceRow[]; lastDie: LastDieView | null };
  connect: {
    ca: { activeRoot: string; trustDomain: string } | null;
    sidecars: InstanceRow[];
    intentions: IntentionView[];
  };
  datacenters: {
    /** As dc1 knows them over the WAN; [] before the first answer. */
    known: string[];
    /** dc2's workshop instances; null when there is no dc2. */
    dc2Workshop: InstanceRow[] | null;
    /** The prepared query; null when it is not there. */
    query: QueryView | null;
  };
}

export function emptyExercisesView(): ExercisesView {
  return {
    registration: { inventoryDb: [], lastDie: null },
    connect: { ca: null, sidecars: [], intentions: [] },
    datacenters: { known: [], dc2Workshop: null, query: null },
  };
}

/** GET /v1/health/service/<name> → one row per instance (its worst check, the node's too), sorted by ID. */
export function toInstanceRows(body: unknown): InstanceRow[] {
  return listOrEmpty(healthEntriesSchema, body)
    .filter((e) => e.Service.ID !== '')
    .map((e) => ({
      id: e.Service.ID,
      service: e.Service.Service,
      node: e.Node.Node,
      status: worstStatus(e.Checks.map((c) => c.Status)),
      registeredBy: e.Service.Meta[REGISTERED_BY_META] ?? '',
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The KV entry the `consul` client hands back (undefined for a missing key) → the record, null when none is. */
export function toLastDie(entry: unknown): LastDieView | null {
  if (entry === undefined || entry === null) return null;
  const kv = kvEntrySchema.safeParse(entry);
  if (!kv.success || kv.data.Value === '') return null;
  let json: unknown;
  try {
    json = JSON.parse(kv.data.Value);
  } catch {
    return null;
  }
  const d = registratorLastDieSchema.safeParse(json);
  if (!d.success) return null;
  return { serviceId: d.data.serviceId, exitCode: d.data.exitCode, ms: Math.round(d.data.ms), deregisteredAt: d.data.deregisteredAt };
}

/** GET /v1/connect/ca/roots → the active root's name and the trust domain; null without an active root. */
export function toCa(body: unknown): ExercisesView['connect']['ca'] {
  const roots = connectCaRootsSchema.safeParse(body);
  if (!roots.success || roots.data.ActiveRootID === '') return null;
  const active = roots.data.Roots.find((r) => r.ID === roots.data.ActiveRootID);
  return active ? { activeRoot: active.Name, trustDomain: roots.data.TrustDomain } : null;
}

const CONNECT_SERVICES = new Set<string>([INVENTORY_DB_SERVICE, CONNECT_CLIENT_SERVICE]);

/**
 * GET /v1/connect/intentions → those that concern exercise 7's pair: a source or destination that is
 * inventory-client, inventory-db or `*` (a wildcard decides for them too). Consul's order (precedence) is kept.
 */
export function toIntentions(body: unknown): IntentionView[] {
  return listOrEmpty(intentionsSchema, body)
    .filter((i) => i.SourceName !== '' && i.DestinationName !== '')
    .filter((i) => [i.SourceName, i.DestinationName].some((n) => CONNECT_SERVICES.has(n)))
    .map((i) => ({ source: i.SourceName, destination: i.DestinationName, action: i.Action || 'L7' }));
}

/** GET /v1/catalog/datacenters → the names; [] for anything else. */
export function toDatacenters(body: unknown): string[] {
  return listOrEmpty(datacentersSchema, body);
}

/** GET /v1/query → workshop-nearest, without its answer yet; null when it is not there. */
export function toQuery(body: unknown): QueryView | null {
  const q = listOrEmpty(preparedQueriesSchema, body).find((x) => x.Name === PREPARED_QUERY);
  return q
    ? { name: q.Name, service: q.Service.Service, failoverDatacenters: q.Service.Failover.Datacenters, answer: null, error: null }
    : null;
}

/** GET /v1/query/<name>/execute → where it answered from, after how many failovers, with which instances. */
export function toQueryAnswer(body: unknown): QueryView['answer'] {
  const r = preparedQueryExecuteSchema.safeParse(body);
  if (!r.success) return null;
  return { datacenter: r.data.Datacenter, failovers: r.data.Failovers, instances: r.data.Nodes.map((n) => n.Service.ID).sort() };
}
