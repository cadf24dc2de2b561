/*
 * For the exercises' unit tests: a lab state (LabState) turned into the facts gatherFacts would return, and
 * running an exercise on it that must pass or fail. The facts are built from answers shaped like a running lab's
 * (Consul 1.20.5's /v1/health/service, /v1/health/state/any, /v1/agent/members, /v1/operator/raft/configuration;
 * Nginx's page), trimmed to the fields that matter, and parsed by the gatherer's own parsers, so the tests also
 * cover the way from Consul's JSON to a ✓ or ✗.
 * Plain code, no jest (the build compiles every non-test file): a broken expectation throws, naming what broke.
 */
import { checkExercise, ExerciseResult, passed } from '../exercises';
import { DemoRequestFact, LabFacts, LabHostName, LAB_WORKSHOP_INSTANCES, type TlsProbeFact } from '../facts';
import * as gather from '../gather';

type Status = 'passing' | 'critical';

export interface LabState {
  leader: boolean;
  serversAlive: number;
  serf: Record<LabHostName, Status>;
  /** Per workshop instance name: its /health check's status, or gone (deregistered). */
  workshop: Record<string, Status | 'gone'>;
  checkScope: 'service' | 'node';
  /** consul-demo server processes on host-b (each with one passing incarnation). */
  demoServers: number;
  /** What the demo servers register in Meta.restart_mode (consul-demo's registration.ts). */
  restartMode?: 'break-before-make' | 'make-before-break';
  /** Tiles on the page; default: the instances passing in Consul. */
  page?: string[];
  api?: number;
  /** Avatar statuses that differ from 200. */
  avatars?: Record<string, number>;
  demo: DemoRequestFact[];
  /** Classroom mode (ACLs on); default off. */
  classroom?: boolean;
  /** The students (classroom mode): their agent's serfHealth, their API's check (or gone), on the page or not. */
  students?: StudentState[];
  /** Exercise 6: inventory-db instances by who registered them (Meta registered-by) and their check; default the agent's, passing. */
  inventoryDb?: Array<{ id: string; by: string; status: Status }>;
  /** Exercise 6: api-b3, registered by the registrator with this check status; default not running. */
  apiB3?: Status;
  /** Who registered api-b3 (Meta registered-by); default the registrator. */
  apiB3By?: string;
  /** Exercise 6: the registrator's last-die record (the KV value it writes); default none. */
  lastDie?: Record<string, unknown>;
  /** Exercise 7; default: Connect's CA up, both sidecars passing, no intention, the client passing, a good TLS probe. */
  connect?: ConnectState;
  /** Exercise 8: dc2 joined with its instances' check status (default: no dc2), the prepared query (default none). */
  dc2?: Status;
  query?: { service?: string; onlyPassing?: boolean; failover?: string[] };
}

export interface ConnectState {
  ca?: boolean;
  sidecars?: Partial<Record<'inventory-db' | 'inventory-client', Status | 'gone'>>;
  intention?: 'allow' | 'deny' | null;
  /** The client's requests, oldest first: ok, or the error it logged. */
  requests?: Array<true | string>;
  tls?: TlsProbeFact | null;
}

export const TRUST_DOMAIN = 'e9874775-e16d-33de-389c-400ac815d0a1.consul';
export const GOOD_TLS: TlsProbeFact = {
  ok: true,
  uri: `spiffe://${TRUST_DOMAIN}/ns/default/dc/dc1/svc/inventory-db`,
  issuer: 'Consul CA 7',
  refused: true,
  plainAnswered: false,
};

export interface StudentState {
  name: string;
  serf: Status;
  api: Status | 'gone';
  /** Default: when its API and agent pass. */
  onPage?: boolean;
  /** The node its workshop-<name> is registered on; default student-<name>. */
  apiNode?: string;
}

export const student = (name: string, over: Partial<StudentState> = {}): StudentState => ({
  name,
  serf: 'passing',
  api: 'passing',
  ...over,
});

const HOST_IP: Record<LabHostName, string> = { 'host-a': '10.213.63.21', 'host-b': '10.213.63.22' };

export function requests(n: number, f: (i: number) => Partial<DemoRequestFact> = () => ({})): DemoRequestFact[] {
  return Array.from({ length: n }, (_, i) => ({
    at: 1_700_000_000_000 + i * 1000,
    ok: true,
    attempts: 1,
    discovery: i % 2 ? 'http' : 'dns',
    ...f(i),
  }));
}

export function healthyLab(over: Partial<LabState> = {}): LabState {
  return {
    leader: true,
    serversAlive: 3,
    serf: { 'host-a': 'passing', 'host-b': 'passing' },
    workshop: { 'api-a1': 'passing', 'api-a2': 'passing', 'api-b1': 'passing', 'api-b2': 'passing' },
    checkScope: 'service',
    demoServers: 1,
    demo: requests(30),
    ...over,
  };
}

const serfCheck = (node: string, status: Status) => ({
  Node: node,
  CheckID: 'serfHealth',
  Name: 'Serf Health Status',
  Status: status,
  Notes: '',
  Output: status === 'passing' ? 'Agent alive and reachable' : 'Agent not live or unreachable',
  ServiceID: '',
  ServiceName: '',
  ServiceTags: [],
  Type: '',
  Definition: {},
  CreateIndex: 25,
  ModifyIndex: 25,
});

/** What Consul would answer for this state, then parsed: the facts gatherFacts would return. */
export function factsOf(s: LabState): LabFacts {
  const servers = ['consul-server-1', 'consul-server-2', 'consul-server-3'];
  const members = [
    ...servers.map((name, i) => ({
      Name: name,
      Addr: `10.213.63.1${i + 1}`,
      Port: 8301,
      Tags: { role: 'consul', dc: 'dc1', build: '1.20.5:' },
      Status: i < s.serversAlive ? 1 : 4,
    })),
    ...(['host-a', 'host-b'] as const).map((h) => ({
      Name: h,
      Addr: HOST_IP[h],
      Port: 8301,
      Tags: { role: 'node', dc: 'dc1' },
      Status: s.serf[h] === 'passing' ? 1 : 4,
    })),
  ];
  const raft = {
    Servers: servers.map((name, i) => ({
      ID: `id-${i}`,
      Node: name,
      Address: `10.213.63.1${i + 1}:8300`,
      Leader: s.leader && i === 0,
      Voter: true,
    })),
    Index: 0,
  };

  // Node-level checks: serfHealth of every node, and with --check-scope node one check per workshop instance.
  const nodeChecks: Array<Record<string, unknown>> = [
    ...servers.map((n, i) => serfCheck(n, i < s.serversAlive ? 'passing' : 'critical')),
    ...(['host-a', 'host-b'] as const).map((h) => serfCheck(h, s.serf[h])),
  ];
  const registered = LAB_WORKSHOP_INSTANCES.filter((w) => s.workshop[w.name] !== 'gone');
  if (s.checkScope === 'node')
    for (const w of registered)
      nodeChecks.push({
        Node: w.host,
        CheckID: `${w.id}-node-check`,
        Name: `${w.id} /health (node-level)`,
        Status: s.workshop[w.name],
        ServiceID: '',
        ServiceName: '',
      });
  const students = s.students ?? [];
  for (const st of students) nodeChecks.push(serfCheck(`student-${st.name}`, st.serf));
  const nodeChecksOf = (node: string) => nodeChecks.filter((c) => c.Node === node);

  const entry = (
    node: LabHostName,
    service: string,
    id: string,
    port: number,
    meta: Record<string, string>,
    own: Array<Record<string, unknown>>,
  ) => ({
    Node: { ID: `node-${node}`, Node: node, Address: HOST_IP[node], Datacenter: 'dc1', Meta: { 'consul-version': '1.20.5' } },
    Service: { ID: id, Service: service, Tags: [], Address: HOST_IP[node], Meta: meta, Port: port, Weights: { Passing: 1, Warning: 1 } },
    Checks: [...nodeChecksOf(node), ...own],
  });
  const b3Raw =
    s.apiB3 === undefined
      ? []
      : [
          entry(
            'host-b',
            'workshop',
            'workshop-api-b3',
            8083,
            { host: 'host-b', name: 'api-b3', 'registered-by': s.apiB3By ?? 'registrator' },
            [
              {
                Node: 'host-b',
                CheckID: 'service:workshop-api-b3',
                Name: 'workshop-api-b3 /health',
                Status: s.apiB3,
                ServiceID: 'workshop-api-b3',
                ServiceName: 'workshop',
              },
            ],
          ),
        ];
  const inventoryRaw = (s.inventoryDb ?? [{ id: 'inventory-db', by: 'agent-config', status: 'passing' as Status }]).map((d) =>
    entry('host-b', 'inventory-db', d.id, 6380, { 'registered-by': d.by }, [
      ...(d.by === 'hand'
        ? []
        : [
            {
              Node: 'host-b',
              CheckID: `${d.id}-tcp`,
              Name: 'inventory-db TCP',
              Status: d.status,
              ServiceID: d.id,
              ServiceName: 'inventory-db',
            },
          ]),
    ]),
  );
  const c = s.connect ?? {};
  const roots = {
    ActiveRootID: c.ca === false ? '' : '0f:45',
    TrustDomain: TRUST_DOMAIN,
    Roots: c.ca === false ? [] : [{ ID: '0f:45', Name: 'Consul CA Primary Cert', Active: true }],
  };
  const sidecarRaw = (['inventory-db', 'inventory-client'] as const)
    .filter((svc) => (c.sidecars?.[svc] ?? 'passing') !== 'gone')
    .map((svc) => {
      const host = svc === 'inventory-db' ? 'host-b' : 'host-a';
      const id = `${svc}-sidecar-proxy`;
      return entry(host, id, id, svc === 'inventory-db' ? 21000 : 21001, {}, [
        {
          Node: host,
          CheckID: `service:${id}:1`,
          Name: 'Connect Sidecar Listening',
          Status: c.sidecars?.[svc] ?? 'passing',
          ServiceID: id,
          ServiceName: id,
        },
      ]);
    });
  const dc2Raw = ['api-c1', 'api-c2'].map((n, i) => ({
    Node: { ID: 'node-host-c', Node: 'host-c', Address: '10.213.63.23', Datacenter: 'dc2', Meta: {} },
    Service: { ID: `workshop-${n}`, Service: 'workshop', Tags: [], Address: '10.213.63.23', Meta: { name: n }, Port: 8081 + i },
    Checks: [
      {
        Node: 'host-c',
        CheckID: `service:workshop-${n}`,
        Name: 'h',
        Status: s.dc2 ?? 'critical',
        ServiceID: `workshop-${n}`,
        ServiceName: 'workshop',
      },
    ],
  }));
  const workshopRaw = registered.map((w, i) =>
    entry(
      w.host,
      'workshop',
      w.id,
      8081 + (i % 2),
      { host: w.host, name: w.name },
      s.checkScope === 'service'
        ? [
            {
              Node: w.host,
              CheckID: `service:${w.id}`,
              Name: `${w.id} /health`,
              Status: s.workshop[w.name],
              ServiceID: w.id,
              ServiceName: 'workshop',
            },
          ]
        : [],
    ),
  );
  const demoRaw = Array.from({ length: s.demoServers }, (_, i) => {
    const id = `consul-demo-host-b-7-${(0x971e + i).toString(16)}-9`;
    return entry('host-b', 'consul-demo', id, 37433 + i, { version: 'v1', restart_mode: s.restartMode ?? 'break-before-make' }, [
      { Node: 'host-b', CheckID: `service:${id}`, Name: 'consul-demo TCP', Status: 'passing', ServiceID: id, ServiceName: 'consul-demo' },
    ]);
  });

  const workshop = gather.parseHealthService(JSON.parse(JSON.stringify([...workshopRaw, ...b3Raw])));
  const consulDemo = gather.parseHealthService(JSON.parse(JSON.stringify(demoRaw)));
  const passing = workshop.filter((i) => i.passing).map((i) => i.id);
  const tiles = s.page ?? passing;
  // The students' own services, each workshop-<name> on its node student-<name> (as lab:join registers them).
  const studentRaw = students
    .filter((st) => st.api !== 'gone')
    .map((st) => {
      const id = `workshop-${st.name}`;
      const node = st.apiNode ?? `student-${st.name}`;
      return {
        Node: { ID: `node-${node}`, Node: node, Address: '192.168.1.31', Datacenter: 'dc1', Meta: {} },
        Service: { ID: id, Service: id, Tags: [], Address: '192.168.1.31', Meta: { name: st.name }, Port: 8081 },
        Checks: [
          ...nodeChecksOf(node),
          { Node: node, CheckID: `service:${id}`, Name: `${id} /health`, Status: st.api, ServiceID: id, ServiceName: id },
        ],
      };
    });
  const onPage = students.filter((st) => st.onPage ?? (st.api === 'passing' && st.serf === 'passing')).map((st) => `workshop-${st.name}`);
  const allTiles = [...tiles, ...onPage];
  const html = allTiles.length
    ? `<ul class="tiles" data-count="${allTiles.length}">${allTiles.map((t) => `<li class="tile" data-id="${t}"><img src="/avatars/${t}"></li>`).join('\n')}</ul>`
    : '<p class="empty" id="empty-state">No healthy workshop instances right now.</p>';
  const catalogNodes = [...servers, 'host-a', 'host-b', ...students.map((st) => `student-${st.name}`)].map((n) => ({
    ID: `id-${n}`,
    Node: n,
    Address: '10.213.63.30',
    Datacenter: 'dc1',
  }));
  return {
    readAt: 1_700_000_100_000,
    raft: { ok: true, value: gather.parseRaft(raft, s.leader ? '10.213.63.11:8300' : '') },
    members: { ok: true, value: gather.parseMembers(members) },
    nodeChecks: { ok: true, value: gather.parseNodeChecks(nodeChecks) },
    workshop: { ok: true, value: workshop },
    consulDemo: { ok: true, value: consulDemo },
    demoServersPassing: { ok: true, value: gather.passingDemoServers(consulDemo) },
    page: {
      ok: true,
      value: { status: tiles.length ? 200 : 503, tiles: gather.parsePageTiles(html), avatarLinks: gather.parsePageAvatarLinks(html) },
    },
    api: { ok: true, value: s.api ?? (passing.length ? 200 : 503) },
    avatars: { ok: true, value: Object.fromEntries(passing.map((id) => [id, { ok: true, value: s.avatars?.[id] ?? 200 }])) },
    demo: { ok: true, value: s.demo },
    classroom: {
      ok: true,
      value: s.classroom
        ? { acls: gather.aclsEnabledFrom(200, '[]', 'acl/policies'), students: gather.parseStudentNodes(catalogNodes) }
        : { acls: gather.aclsEnabledFrom(401, 'ACL support disabled', 'acl/policies'), students: [] },
    },
    studentInstances: { ok: true, value: s.classroom ? gather.parseHealthService(JSON.parse(JSON.stringify(studentRaw))) : [] },
    inventoryDb: { ok: true, value: gather.parseHealthService(JSON.parse(JSON.stringify(inventoryRaw))) },
    registratorLastDie: { ok: true, value: s.lastDie ? gather.parseLastDie(s.lastDie) : null },
    datacenters: { ok: true, value: s.dc2 ? ['dc1', 'dc2'] : ['dc1'] },
    dc2Workshop: s.dc2 ? { ok: true, value: gather.parseHealthService(dc2Raw) } : { ok: false, error: 'HTTP 500: No path to datacenter' },
    preparedQuery: {
      ok: true,
      value: s.query
        ? {
            service: s.query.service ?? 'workshop',
            onlyPassing: s.query.onlyPassing ?? true,
            failoverDatacenters: s.query.failover ?? ['dc2'],
            nearestN: 0,
          }
        : null,
    },
    queryAnswer: { ok: true, value: s.query ? queryAnswer(s, passing) : null },
    connectCa: { ok: true, value: c.ca === false ? null : { trustDomain: roots.TrustDomain, activeRoot: roots.Roots[0]!.Name } },
    sidecars: { ok: true, value: gather.parseHealthService(JSON.parse(JSON.stringify(sidecarRaw))) },
    intention: { ok: true, value: c.intention ? { action: c.intention } : null },
    connectClient: {
      ok: true,
      value: {
        requests: (c.requests ?? Array<true>(10).fill(true)).map((r, i) => ({
          at: 1_700_000_000_000 + i * 1000,
          ok: r === true,
          error: r === true ? '' : r,
        })),
        tls: c.tls === undefined ? GOOD_TLS : c.tls,
      },
    },
  };
}

/** What workshop-nearest answers: dc1's passing instances, else (failover to dc2 configured) dc2's passing ones. */
function queryAnswer(s: LabState, dc1Passing: string[]): { datacenter: string; failovers: number; ids: string[] } {
  if (dc1Passing.length) return { datacenter: 'dc1', failovers: 0, ids: [...dc1Passing].sort() };
  const toDc2 = (s.query?.failover ?? ['dc2']).includes('dc2') && s.dc2 !== undefined;
  if (!toDc2) return { datacenter: 'dc1', failovers: 0, ids: [] };
  return { datacenter: 'dc2', failovers: 1, ids: s.dc2 === 'passing' ? ['workshop-api-c1', 'workshop-api-c2'] : [] };
}

/** The failing checks' labels and hints, one string each, for readable assertions. */
export function failures(r: ExerciseResult): string[] {
  return r.checks.filter((c) => !c.ok).map((c) => `${c.label} — ${c.hint}`);
}

/**
 * The exercise on this state; throws unless it passes: every check ✓ (else the failing ones, label — hint),
 * passed() agreeing, and no passing check carrying a hint.
 */
export function expectPass(id: string, s: LabState): ExerciseResult {
  const r = checkExercise(id, factsOf(s));
  const f = failures(r);
  if (f.length) throw new Error(`expected exercise ${id} to pass; failing:\n${f.join('\n')}`);
  if (!passed(r)) throw new Error(`passed() says exercise ${id} failed though no check did`);
  const hinted = r.checks.filter((c) => c.hint !== '');
  if (hinted.length) throw new Error(`passing checks carry a hint: ${hinted.map((c) => `${c.label} — ${c.hint}`).join('; ')}`);
  return r;
}

/** The exercise on this state; throws unless it fails, and unless every failing check says what to do. */
export function expectFail(id: string, s: LabState): ExerciseResult {
  const r = checkExercise(id, factsOf(s));
  if (passed(r)) throw new Error(`expected exercise ${id} to fail; every check passed: ${r.checks.map((c) => c.label).join('; ')}`);
  const bare = r.checks.filter((c) => !c.ok && c.hint === '');
  if (bare.length) throw new Error(`failing checks without a hint: ${bare.map((c) => c.label).join('; ')}`);
  return r;
}
