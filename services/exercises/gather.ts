/*
 * gatherFacts: one LabFacts snapshot over plain HTTP (Consul through the gateway's request function, Nginx with
 * fetch), so it runs wherever Consul's API, the Nginx page
 * and the demo client's results are reachable: `npm run lab:check` on the host, the lab view inside host-a.
 * Consul is asked with `?stale` wherever a leaderless cluster must still answer (any server may then reply);
 * every request has a deadline; a part that fails is recorded as not known, with why.
 *
 * The parsers take whatever came back (`unknown`): Consul's answers go through the gateway's zod schemas (a list
 * must be a list; every field has its type or a harmless default), never trusted.
 */
import { registratorLastDieKey, STUDENT_NAME, studentFromNodeName, studentServiceName } from '../shared/names';
import { parsePageAvatarLinks } from '../shared/pageLinks';
import { sleep } from '../shared/async';
import { z } from 'zod';
import { ConsulError } from '../shared/consul/errors';
import { consulAnswer, type ConsulTarget, messageOf, noAnswerReason, parseAnswer, readAs, statusError } from '../shared/consul/http';
import {
  catalogNodesSchema,
  checksSchema,
  type ConsulCheck,
  healthEntriesSchema,
  membersSchema,
  connectCaRootsSchema,
  datacentersSchema,
  preparedQueriesSchema,
  preparedQueryExecuteSchema,
  intentionSchema,
  raftConfigurationSchema,
  registratorLastDieSchema,
  serfStatus,
} from '../shared/consul/schemas';
import {
  CheckFact,
  CheckStatus,
  ClassroomFact,
  CONSUL_DEMO_SERVICE,
  DemoRequestFact,
  demoServerOf,
  InstanceFact,
  Known,
  LabFacts,
  MemberFact,
  MemberStatus,
  RaftFact,
  RegistratorDieFact,
  CONNECT_CLIENT_SERVICE,
  DC2,
  PREPARED_QUERY,
  PreparedQueryFact,
  QueryAnswerFact,
  ConnectClientFact,
  TlsProbeFact,
  INVENTORY_DB_SERVICE,
  SIDECAR_SUFFIX,
  REGISTRATOR_HOST,
  WORKSHOP_SERVICE,
} from './facts';

export interface GatherOptions {
  /** Consul's HTTP API, e.g. http://127.0.0.1:8500 (no trailing slash needed). */
  consulUrl: string;
  /** Nginx, e.g. http://127.0.0.1:8080. */
  nginxUrl: string;
  /** The demo client's recent requests, oldest first; a throw is recorded as "not known". */
  demoRequests: () => Promise<DemoRequestFact[]>;
  /** inventory-client's requests and TLS probe (exercise 7); a throw, or none given, is recorded as "not known". */
  connectClient?: () => Promise<ConnectClientFact>;
  /** Sent as X-Consul-Token when set. */
  consulToken?: string;
  /** Deadline of each HTTP request (2 s). */
  timeoutMs?: number;
  /** A second read of consul-demo this long after the first when it showed fewer than 2 servers (1500 ms; 0: none). */
  demoResampleMs?: number;
  /** For tests. */
  fetch?: typeof fetch;
  now?: () => number;
}

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_RESAMPLE_MS = 1500;

// ---- parsing (pure) -------------------------------------------------------------------------------------

/** The demo client's answer (not Consul's): an object's fields, anything else none. */
function rec(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${what}: expected a JSON array`);
  return v;
}

/** A Consul list through the gateway's schema (services/shared/consul/schemas.ts); not a list throws. */
function consulList<T>(v: unknown, what: string, schema: z.ZodType<T[]>): T[] {
  return readAs(what, list(v, what), schema);
}

export function checkStatus(v: unknown): CheckStatus {
  return v === 'passing' || v === 'warning' ? v : 'critical';
}

/** /v1/agent/members → members. Throws only when the answer is not an array. */
export function parseMembers(raw: unknown): MemberFact[] {
  return consulList(raw, 'agent/members', membersSchema).map((m): MemberFact => ({
    name: m.Name,
    address: m.Addr,
    role: m.Tags.role === 'consul' ? 'server' : 'client',
    status: serfStatus(m.Status) satisfies MemberStatus,
  }));
}

/** /v1/operator/raft/configuration + /v1/status/leader (a JSON string, "" without a leader). */
export function parseRaft(config: unknown, leader: unknown): RaftFact {
  list(rec(config).Servers, 'operator/raft/configuration Servers');
  const { Servers } = readAs('operator/raft/configuration', config, raftConfigurationSchema);
  return {
    leader: typeof leader === 'string' && leader !== '' ? leader : null,
    voters: Servers.filter((s) => s.Voter).map((s) => s.Node || s.ID),
  };
}

function parseCheck(c: ConsulCheck, node = ''): CheckFact {
  return { node: c.Node || node, checkId: c.CheckID, name: c.Name, status: checkStatus(c.Status), serviceId: c.ServiceID };
}

/** /v1/health/state/any → the node-level checks (ServiceID ""). */
export function parseNodeChecks(raw: unknown): CheckFact[] {
  return consulList(raw, 'health/state/any', checksSchema)
    .map((c) => parseCheck(c))
    .filter((c) => c.serviceId === '');
}

/** /v1/health/service/<name> → instances with all their checks and whether `?passing` would list them. */
export function parseHealthService(raw: unknown): InstanceFact[] {
  return consulList(raw, 'health/service', healthEntriesSchema).map((e) => {
    const node = e.Node.Node;
    const checks = e.Checks.map((c) => parseCheck(c, node));
    return {
      id: e.Service.ID,
      service: e.Service.Service,
      node,
      address: e.Service.Address || e.Node.Address,
      port: e.Service.Port,
      meta: e.Service.Meta,
      checks,
      passing: checks.every((c) => c.status === 'passing'),
    };
  });
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The instance IDs on the Nginx page (nginx/templates/index.html.ctmpl: `<li class="tile" data-id="<ID>">`),
 * unique, in page order; the avatar links `/avatars/<ID>` when a page has no data-id. The empty-state page: [].
 */
export function parsePageTiles(html: string): string[] {
  const ids: string[] = [];
  const add = (v: string): void => {
    const id = decode(v);
    if (id && !ids.includes(id)) ids.push(id);
  };
  for (const m of html.matchAll(/data-id="([^"]+)"/g)) add(m[1]!);
  return ids.length > 0 ? ids : parsePageAvatarLinks(html);
}

/** Every `/avatars/<ID>` the page links (services/shared/pageLinks.ts, the one parser of them). */
export { parsePageAvatarLinks };

/** /v1/catalog/nodes → the students' names (nodes `student-<name>`), unique, sorted (code unit order). */
export function parseStudentNodes(raw: unknown): string[] {
  const names = consulList(raw, 'catalog/nodes', catalogNodesSchema)
    .map((n) => studentFromNodeName(n.Node))
    .filter((n): n is string => n !== undefined);
  return [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Whether an answer to an ACL endpoint says Consul's ACLs are on: 200 yes; "ACL support disabled" (Consul 1.20
 * answers 401, older versions 403 or 500, always this text) no; any other 403 yes: ACLs decided the caller may not
 * read policies, which is what the lab view (the anonymous token) and lab:check without a token get in classroom
 * mode; anything else throws (not known).
 */
export function aclsEnabledFrom(status: number, body: string, what: string): boolean {
  if (status === 200) return true;
  if (/ACL support disabled/i.test(body)) return false;
  if (status === 403) return true;
  throw new Error(`${what}: HTTP ${status}${body.trim() ? `: ${body.trim().split('\n')[0]!.slice(0, 200)}` : ''}`);
}

/**
 * The demo client's GET /results body (`{"results": [{at, ok, attempts, discovery, ...}]}`) → requests, oldest
 * first. Malformed entries are skipped; a body without a results array throws.
 */
export function demoRequestsFromResults(body: unknown): DemoRequestFact[] {
  const results = list(rec(body).results, 'demo client /results');
  const out: DemoRequestFact[] = [];
  for (const item of results) {
    const r = rec(item);
    if (typeof r.ok !== 'boolean') continue;
    const at = typeof r.at === 'string' ? Date.parse(r.at) : typeof r.at === 'number' ? r.at : NaN;
    out.push({
      at: Number.isFinite(at) ? at : null,
      ok: r.ok,
      attempts: typeof r.attempts === 'number' && Number.isFinite(r.attempts) ? r.attempts : 1,
      discovery: (['string', 'number', 'boolean'].includes(typeof r.discovery) ? String(r.discovery) : '') || '?',
    });
  }
  // Stable: entries without a time keep their place relative to each other.
  return out
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (a.r.at ?? 0) - (b.r.at ?? 0) || a.i - b.i)
    .map(({ r }) => r);
}

/** The KV value (`?raw`: the JSON the registrator wrote) → the fact; a value of another shape throws (not known). */
export function parseLastDie(raw: unknown): RegistratorDieFact {
  const d = readAs('registrator last-die', raw, registratorLastDieSchema);
  const at = Date.parse(d.deregisteredAt);
  return { serviceId: d.serviceId, exitCode: d.exitCode, ms: Math.round(d.ms), at: Number.isFinite(at) ? at : 0 };
}

/** One of inventory-client's request records (its `--json` line or an entry of GET /results); null when it is none. */
function connectRequest(item: unknown): ConnectClientFact['requests'][number] | null {
  const r = rec(item);
  if (typeof r.ok !== 'boolean' || (r.kind !== undefined && r.kind !== 'request')) return null;
  const at = typeof r.at === 'string' ? Date.parse(r.at) : NaN;
  return { at: Number.isFinite(at) ? at : null, ok: r.ok, error: typeof r.error === 'string' ? r.error.slice(0, 200) : '' };
}

/** inventory-client's TLS probe record; null when it is none. */
function tlsProbe(item: unknown): TlsProbeFact | null {
  const t = rec(item);
  if (typeof t.ok !== 'boolean' || (t.kind !== undefined && t.kind !== 'tls')) return null;
  const str = (v: unknown): string => (typeof v === 'string' ? v.slice(0, 300) : '');
  return { ok: t.ok, uri: str(t.uri), issuer: str(t.issuer), refused: !!t.refused, plainAnswered: t.plainAnswered === true };
}

/** inventory-client's GET /results (`{"results": [...], "tls": {...} | null}`) → the fact; no results list throws. */
export function connectClientFromResults(body: unknown): ConnectClientFact {
  const b = rec(body);
  const requests = list(b.results, 'inventory-client /results')
    .map(connectRequest)
    .filter((r): r is ConnectClientFact['requests'][number] => r !== null);
  return { requests, tls: b.tls === null || b.tls === undefined ? null : tlsProbe(b.tls) };
}

/** inventory-client's `--json` lines (from `docker logs`), oldest first → the fact: its requests and its last TLS probe. */
export function connectClientFromLines(objects: unknown[]): ConnectClientFact {
  let tls: TlsProbeFact | null = null;
  const requests: ConnectClientFact['requests'] = [];
  for (const o of objects) {
    const kind = rec(o).kind;
    if (kind === 'tls') tls = tlsProbe(o) ?? tls;
    else {
      const r = connectRequest(o);
      if (r) requests.push(r);
    }
  }
  return { requests, tls };
}

/** Distinct consul-demo server processes among the passing instances. */
export function passingDemoServers(instances: InstanceFact[]): string[] {
  return [...new Set(instances.filter((i) => i.passing).map((i) => demoServerOf(i.id)))].sort();
}

// ---- fetching -------------------------------------------------------------------------------------------

/** A read that failed, its message already saying why (its cause included). */
class ReadError extends Error {
  override name = 'ReadError';
}

async function known<T>(fn: () => Promise<T>): Promise<Known<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    // The gateway's and our own read errors already say why (the cause included).
    return { ok: false, error: err instanceof ReadError || err instanceof ConsulError ? messageOf(err) : noAnswerReason(err) };
  }
}

function base(url: string): string {
  return url.replace(/\/+$/, '');
}

export async function gatherFacts(opts: GatherOptions): Promise<LabFacts> {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const consul = base(opts.consulUrl);
  const nginx = base(opts.nginxUrl);
  const now = opts.now ?? Date.now;
  const readAt = now();

  /** Nginx (not Consul): the page, /api/, an avatar. */
  async function get(url: string, what: string): Promise<{ status: number; body: string }> {
    let res: Response;
    try {
      res = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { 'cache-control': 'no-cache' } });
    } catch (err) {
      throw new ReadError(`${what}: ${noAnswerReason(err)}`, { cause: err });
    }
    return { status: res.status, body: await res.text() };
  }

  // Through the gateway's request function: plain URLs, so it runs the same in the lab view's container and here.
  const target: ConsulTarget = { baseUrl: consul, token: opts.consulToken, timeoutMs, ...(opts.fetch ? { fetch: opts.fetch } : {}) };
  const consulGet = (path: string) => consulAnswer(target, { path, what: `Consul ${consul}${path}` });

  async function consulJson(path: string): Promise<unknown> {
    const what = `Consul ${consul}${path}`;
    const answer = await consulGet(path);
    if (answer.status !== 200) throw statusError(what, answer);
    return parseAnswer(what, answer, z.unknown());
  }

  const health = (service: string): Promise<InstanceFact[]> =>
    consulJson(`/v1/health/service/${encodeURIComponent(service)}?stale`).then(parseHealthService);

  const workshopP = known(() => health(WORKSHOP_SERVICE));
  const inventoryDbP = known(() => health(INVENTORY_DB_SERVICE));
  const lastDieP = known(async (): Promise<RegistratorDieFact | null> => {
    const path = `/v1/kv/${registratorLastDieKey(REGISTRATOR_HOST)}?raw&stale`;
    const answer = await consulGet(path);
    // No key yet: nothing died since the lab started (Consul answers 404 with an empty body).
    if (answer.status === 404) return null;
    if (answer.status !== 200) throw statusError(`Consul ${consul}${path}`, answer);
    return parseLastDie(parseAnswer(`Consul ${consul}${path}`, answer, z.unknown()));
  });
  const consulDemoP = known(() => health(CONSUL_DEMO_SERVICE));
  // Classroom mode = ACLs on. The policy list is the smallest ACL answer holding no secret (a token list or
  // token/self would carry SecretIDs). Without ACLs no student can have joined: nothing more is asked.
  const classroomP = known(async (): Promise<ClassroomFact> => {
    const path = '/v1/acl/policies';
    const { status, body } = await consulGet(path);
    if (!aclsEnabledFrom(status, body, `Consul ${consul}${path}`)) return { acls: false, students: [] };
    return { acls: true, students: parseStudentNodes(await consulJson('/v1/catalog/nodes?stale')) };
  });
  // Each student's instance is its own service workshop-<name>: one query per student whose name can be one.
  const studentInstancesP = classroomP.then((c): Promise<Known<InstanceFact[]>> =>
    c.ok
      ? known(async () =>
          (await Promise.all(c.value.students.filter((n) => STUDENT_NAME.test(n)).map((n) => health(studentServiceName(n))))).flat(),
        )
      : Promise.resolve({ ok: false, error: c.error }),
  );

  // Exercise 7: Connect's CA, the two sidecars, the one intention the exercise is about, what the client saw.
  const connectCaP = known(async () => {
    const roots = readAs('connect/ca/roots', await consulJson('/v1/connect/ca/roots?stale'), connectCaRootsSchema);
    const active = roots.Roots.find((r) => r.ID === roots.ActiveRootID && roots.ActiveRootID !== '');
    return active ? { trustDomain: roots.TrustDomain, activeRoot: active.Name } : null;
  });
  const sidecarsP = known(async () =>
    (await Promise.all([INVENTORY_DB_SERVICE, CONNECT_CLIENT_SERVICE].map((svc) => health(`${svc}${SIDECAR_SUFFIX}`)))).flat(),
  );
  const intentionP = known(async () => {
    const path = `/v1/connect/intentions/exact?source=${CONNECT_CLIENT_SERVICE}&destination=${INVENTORY_DB_SERVICE}`;
    const answer = await consulGet(path);
    // No intention for the pair (Consul answers 404 "Intention not found").
    if (answer.status === 404) return null;
    if (answer.status !== 200) throw statusError(`Consul ${consul}${path}`, answer);
    return { action: parseAnswer(`Consul ${consul}${path}`, answer, intentionSchema).Action };
  });
  const connectClientP = known(async () => {
    if (!opts.connectClient) throw new Error('no inventory-client results configured');
    return opts.connectClient();
  });

  // Exercise 8: the WAN's datacenters, dc2's instances, the prepared query and where it answers from now.
  const datacentersP = known(async () => readAs('catalog/datacenters', await consulJson('/v1/catalog/datacenters'), datacentersSchema));
  // Asked only when dc2 is there: without it every read would be Consul's "No path to datacenter".
  const dc2WorkshopP = datacentersP.then((dcs): Promise<Known<InstanceFact[]>> =>
    dcs.ok && !dcs.value.includes(DC2)
      ? Promise.resolve({ ok: false, error: `no datacenter ${DC2}` })
      : known(() => consulJson(`/v1/health/service/${encodeURIComponent(WORKSHOP_SERVICE)}?dc=${DC2}&stale`).then(parseHealthService)),
  );
  const preparedQueryP = known(async (): Promise<PreparedQueryFact | null> => {
    const q = readAs('query', await consulJson('/v1/query'), preparedQueriesSchema).find((x) => x.Name === PREPARED_QUERY);
    return q
      ? {
          service: q.Service.Service,
          onlyPassing: q.Service.OnlyPassing,
          failoverDatacenters: q.Service.Failover.Datacenters,
          nearestN: q.Service.Failover.NearestN,
        }
      : null;
  });
  const queryAnswerP = known(async (): Promise<QueryAnswerFact | null> => {
    const path = `/v1/query/${PREPARED_QUERY}/execute`;
    const answer = await consulGet(path);
    if (answer.status === 404) return null;
    if (answer.status !== 200) throw statusError(`Consul ${consul}${path}`, answer);
    const r = parseAnswer(`Consul ${consul}${path}`, answer, preparedQueryExecuteSchema);
    return { datacenter: r.Datacenter, failovers: r.Failovers, ids: r.Nodes.map((n) => n.Service.ID).sort() };
  });

  const [raft, members, nodeChecks, workshop, consulDemo, page, api, demo, classroom, studentInstances, inventoryDb, registratorLastDie] =
    await Promise.all([
      known(async () => {
        const [config, leader] = await Promise.all([consulJson('/v1/operator/raft/configuration?stale'), consulJson('/v1/status/leader')]);
        return parseRaft(config, leader);
      }),
      known(async () => parseMembers(await consulJson('/v1/agent/members'))),
      known(async () => parseNodeChecks(await consulJson('/v1/health/state/any?stale'))),
      workshopP,
      consulDemoP,
      known(async () => {
        const { status, body } = await get(`${nginx}/`, `Nginx page ${nginx}/`);
        return { status, tiles: parsePageTiles(body), avatarLinks: parsePageAvatarLinks(body) };
      }),
      known(async () => (await get(`${nginx}/api/`, `Nginx ${nginx}/api/`)).status),
      known(async () => {
        const r = await opts.demoRequests();
        if (!Array.isArray(r)) throw new Error("the demo client's requests: not a list");
        return r;
      }),
      classroomP,
      studentInstancesP,
      inventoryDbP,
      lastDieP,
    ]);

  const avatars: Known<Record<string, Known<number>>> = workshop.ok
    ? {
        ok: true,
        value: Object.fromEntries(
          await Promise.all(
            workshop.value
              .filter((i) => i.passing)
              .map(async (i) => {
                const url = `${nginx}/avatars/${encodeURIComponent(i.id)}`;
                return [i.id, await known(async () => (await get(url, `Nginx ${url}`)).status)] as const;
              }),
          ),
        ),
      }
    : { ok: false, error: workshop.error };

  let demoServersPassing: Known<string[]> = consulDemo.ok ? { ok: true, value: passingDemoServers(consulDemo.value) } : consulDemo;
  const resampleMs = opts.demoResampleMs ?? DEFAULT_RESAMPLE_MS;
  if (resampleMs > 0 && demoServersPassing.ok && demoServersPassing.value.length < 2) {
    await sleep(resampleMs);
    const again = await known(() => health(CONSUL_DEMO_SERVICE));
    if (again.ok)
      demoServersPassing = { ok: true, value: [...new Set([...demoServersPassing.value, ...passingDemoServers(again.value)])].sort() };
  }

  return {
    readAt,
    raft,
    members,
    nodeChecks,
    workshop,
    consulDemo,
    demoServersPassing,
    page,
    api,
    avatars,
    demo,
    classroom,
    studentInstances,
    inventoryDb,
    registratorLastDie,
    connectCa: await connectCaP,
    sidecars: await sidecarsP,
    intention: await intentionP,
    connectClient: await connectClientP,
    datacenters: await datacentersP,
    dc2Workshop: await dc2WorkshopP,
    preparedQuery: await preparedQueryP,
    queryAnswer: await queryAnswerP,
  };
}
