/*
 * What the exercise checks look at: one snapshot of the lab, read over HTTP only (Consul's API, the Nginx page,
 * the demo client's recent requests), so `npm run lab:check` and the lab view (a container without a Docker
 * socket) judge the same facts. Each part is either known or says why it could not be read: one unreadable part
 * makes only the checks that need it fail, never the others.
 */
import { NODE_CHECK_SUFFIX, workshopServiceId } from '../shared/names';
import type { RoomView } from './room';

/** A part of the snapshot: its value, or the one-line reason it could not be read. */
export type Known<T> = { ok: true; value: T } | { ok: false; error: string };

/** Consul's check statuses; "maintenance" and anything unknown count as critical, as Consul's ?passing does. */
export type CheckStatus = 'passing' | 'warning' | 'critical';

/** Serf's member status (/v1/agent/members Status 0-4); "none" for anything else. */
export type MemberStatus = 'none' | 'alive' | 'leaving' | 'left' | 'failed';

export interface CheckFact {
  node: string;
  checkId: string;
  name: string;
  status: CheckStatus;
  /** "" for a node-level check (serfHealth, the workshop's `--check-scope node` check). */
  serviceId: string;
}

/** One entry of /v1/health/service/<name>: the instance and every check that counts for it (its node's too). */
export interface InstanceFact {
  id: string;
  service: string;
  node: string;
  address: string;
  port: number;
  meta: Record<string, string>;
  checks: CheckFact[];
  /** Every check passing: what `?passing` (and so DNS, consul-template, Nginx) sees. */
  passing: boolean;
}

export interface MemberFact {
  name: string;
  address: string;
  role: 'server' | 'client';
  status: MemberStatus;
}

export interface RaftFact {
  /** The leader's raft address ("10.213.50.11:8300"), null when the cluster has none. */
  leader: string | null;
  /** Raft's voters by node name (from /v1/operator/raft/configuration, read stale: any server answers). */
  voters: string[];
}

export interface PageFact {
  status: number;
  /** Instance IDs on the page (`workshop-<name>`), in page order. */
  tiles: string[];
  /** Instance IDs the page links an avatar of (`/avatars/<ID>`), unique, in page order: how a student is "on the page". */
  avatarLinks: string[];
}

/**
 * Classroom mode (`npm run lab:up -- --classroom`): Consul's ACLs are on, and students' agents join as nodes
 * `student-<name>` (services/shared/names.ts).
 */
export interface ClassroomFact {
  /** Consul's ACLs are on. When false, nothing else about the room was asked. */
  acls: boolean;
  /** Students by the catalog's nodes `student-<name>`: their names, as Consul has them (untrusted), sorted. */
  students: string[];
}

/** One of the demo client's requests, oldest first; `at` is epoch ms when known. */
export interface DemoRequestFact {
  at: number | null;
  ok: boolean;
  attempts: number;
  discovery: string;
}

export interface LabFacts {
  /** Epoch ms of the snapshot. */
  readAt: number;
  raft: Known<RaftFact>;
  /** The gossip pool as the agent sees it (servers and the hosts' client agents). */
  members: Known<MemberFact[]>;
  /** Every node-level check of the datacenter (ServiceID ""): serfHealth per node, workshop node checks. */
  nodeChecks: Known<CheckFact[]>;
  /** Every registered `workshop` instance, passing or not. */
  workshop: Known<InstanceFact[]>;
  /** Every registered `consul-demo` instance, passing or not. */
  consulDemo: Known<InstanceFact[]>;
  /**
   * consul-demo server processes (service ID minus its `-<n>` incarnation) seen passing in one or two reads
   * ~1.5 s apart: a server in its restart gap is gone for a moment, and one read would often miss it.
   */
  demoServersPassing: Known<string[]>;
  page: Known<PageFact>;
  /** HTTP status of GET /api/ through Nginx. */
  api: Known<number>;
  /** HTTP status of GET /avatars/<id> through Nginx, for every passing workshop instance. */
  avatars: Known<Record<string, Known<number>>>;
  /** The demo client's recent requests, oldest first. */
  demo: Known<DemoRequestFact[]>;
  /** Whether the lab runs in classroom mode, and who joined. */
  classroom: Known<ClassroomFact>;
  /**
   * Each student's own instances (/v1/health/service/workshop-<name>, the answers concatenated), for the students
   * whose name follows the GitHub login rule; [] when not in classroom mode.
   */
  studentInstances: Known<InstanceFact[]>;
  /** Every registered `inventory-db` instance (exercise 6: by the agent's config file, by hand), passing or not. */
  inventoryDb: Known<InstanceFact[]>;
  /** The last container death host-b's registrator handled (Consul KV; exercise 6), null when none yet. */
  registratorLastDie: Known<RegistratorDieFact | null>;
  /** Connect's CA (exercise 7): its trust domain and active root; null when Connect has no root. */
  connectCa: Known<{ trustDomain: string; activeRoot: string } | null>;
  /** The two sidecar proxies of exercise 7 (inventory-db-sidecar-proxy, inventory-client-sidecar-proxy). */
  sidecars: Known<InstanceFact[]>;
  /** The intention inventory-client → inventory-db: its action, or null when there is none (exercise 7). */
  intention: Known<{ action: string } | null>;
  /** inventory-client's recent requests through its upstream and its last TLS probe (exercise 7). */
  connectClient: Known<ConnectClientFact>;
  /** The datacenters dc1's servers know over the WAN (exercise 8). */
  datacenters: Known<string[]>;
  /** dc2's `workshop` instances, passing or not (exercise 8); not known without dc2. */
  dc2Workshop: Known<InstanceFact[]>;
  /** The prepared query workshop-nearest (exercise 8), null when there is none. */
  preparedQuery: Known<PreparedQueryFact | null>;
  /** workshop-nearest executed now: where it answered from; null when there is no such query. */
  queryAnswer: Known<QueryAnswerFact | null>;
  /**
   * The room as the lab view remembers it (its GET /room.json): only `lab:check room` reads it, since the moments of
   * the room exercises are history no single snapshot of Consul holds. Absent everywhere else.
   */
  room?: Known<RoomView>;
}

export interface PreparedQueryFact {
  service: string;
  onlyPassing: boolean;
  failoverDatacenters: string[];
  nearestN: number;
}

export interface QueryAnswerFact {
  datacenter: string;
  failovers: number;
  /** The instances' service IDs. */
  ids: string[];
}

/** Exercise 8's names: the second datacenter and the prepared query that fails over to it. */
export const DC2 = 'dc2';
export const PREPARED_QUERY = 'workshop-nearest';

/** What inventory-client saw (services/inventory-client): its requests, oldest first, and its last TLS probe. */
export interface ConnectClientFact {
  requests: Array<{ at: number | null; ok: boolean; error: string }>;
  tls: TlsProbeFact | null;
}

/** A TLS handshake with inventory-db's sidecar, without a client certificate, and a plain-text try on it. */
export interface TlsProbeFact {
  /** A certificate was presented. */
  ok: boolean;
  /** Its URI SAN: spiffe://<trust domain>/ns/default/dc/<dc>/svc/<service>. */
  uri: string;
  issuer: string;
  /** The proxy refused us after the handshake (mutual TLS: we have no certificate). */
  refused: boolean;
  /** A plain `PING` to the same port got `PONG` (it must not). */
  plainAnswered: boolean;
}

/** Exercise 7's services: the client on host-a, inventory-db on host-b, their sidecar proxies. */
export const CONNECT_CLIENT_SERVICE = 'inventory-client';
export const SIDECAR_SUFFIX = '-sidecar-proxy';

/** What the registrator wrote after deregistering a container Docker reported dead (exercise 6). */
export interface RegistratorDieFact {
  serviceId: string;
  exitCode: number | null;
  /** From Docker's die event to the agent's answer to the deregistration. */
  ms: number;
  /** Epoch ms of the deregistration. */
  at: number;
}

/** Exercise 6's names: the agent-defined service, the registrator's host and the instance it registers. */
export const INVENTORY_DB_SERVICE = 'inventory-db';
export const REGISTRATOR_HOST = 'host-b';
export const REGISTRATOR_INSTANCE = { name: 'api-b3', id: workshopServiceId('api-b3') } as const;

/** The lab's fixed cast (docker-compose.yml): its hosts, and the workshop instances on each. */
export const LAB_HOSTS = ['host-a', 'host-b'] as const;
export type LabHostName = (typeof LAB_HOSTS)[number];

// The lab's service names (services/shared/names.ts), under the names the checks have always used.
export { CONSUL_DEMO_SERVICE_NAME as CONSUL_DEMO_SERVICE, WORKSHOP_SERVICE_NAME as WORKSHOP_SERVICE } from '../shared/names';

export interface LabWorkshopInstance {
  name: string;
  /** Consul service ID: `workshop-<name>`. */
  id: string;
  host: LabHostName;
}

/** workshop-api's ID form, `workshop-<name>` (services/shared/names.ts workshopServiceId). */
export function workshopId(name: string): string {
  return workshopServiceId(name);
}

/** workshop-api's node-level check ID under `--check-scope node`: `workshop-<name>-node-check`. */
export function isWorkshopNodeCheck(checkId: string): boolean {
  return checkId.startsWith(workshopServiceId('')) && checkId.endsWith(NODE_CHECK_SUFFIX);
}

export const LAB_WORKSHOP_INSTANCES: readonly LabWorkshopInstance[] = (['api-a1', 'api-a2', 'api-b1', 'api-b2'] as const).map((name) => ({
  name,
  id: workshopId(name),
  host: name.startsWith('api-a') ? 'host-a' : 'host-b',
}));

/** One demo server process across its incarnations (the rule lives in ../demoServerId.ts). */
export { demoServerOf } from '../shared/demoServerId';
