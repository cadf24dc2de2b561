// Each exercise on a lab state that passes it and one that does not. The facts are built from answers shaped
// like a running lab's (Consul 1.20.5's /v1/health/service, /v1/health/state/any, /v1/agent/members,
// /v1/operator/raft/configuration; Nginx's page), trimmed to the fields that matter, and parsed by the gatherer's
// own parsers, so these tests also cover the way from Consul's JSON to a ✓ or ✗.
import { checkExercise, EXERCISES, ExerciseResult, findExercise, passed, shownName } from './exercises';
import { DemoRequestFact, LabFacts, LabHostName, LAB_WORKSHOP_INSTANCES } from './facts';
import {
  aclsEnabledFrom,
  parseHealthService,
  parseMembers,
  parseNodeChecks,
  parsePageAvatarLinks,
  parsePageTiles,
  parseRaft,
  parseStudentNodes,
  passingDemoServers,
} from './gather';

type Status = 'passing' | 'critical';

interface LabState {
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
}

interface StudentState {
  name: string;
  serf: Status;
  api: Status | 'gone';
  /** Default: when its API and agent pass. */
  onPage?: boolean;
  /** The node its workshop-<name> is registered on; default student-<name>. */
  apiNode?: string;
}

const student = (name: string, over: Partial<StudentState> = {}): StudentState => ({ name, serf: 'passing', api: 'passing', ...over });

const HOST_IP: Record<LabHostName, string> = { 'host-a': '10.213.63.21', 'host-b': '10.213.63.22' };

function requests(n: number, f: (i: number) => Partial<DemoRequestFact> = () => ({})): DemoRequestFact[] {
  return Array.from({ length: n }, (_, i) => ({
    at: 1_700_000_000_000 + i * 1000,
    ok: true,
    attempts: 1,
    discovery: i % 2 ? 'http' : 'dns',
    ...f(i),
  }));
}

function healthyLab(over: Partial<LabState> = {}): LabState {
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
function factsOf(s: LabState): LabFacts {
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

  const workshop = parseHealthService(JSON.parse(JSON.stringify(workshopRaw)));
  const consulDemo = parseHealthService(JSON.parse(JSON.stringify(demoRaw)));
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
    raft: { ok: true, value: parseRaft(raft, s.leader ? '10.213.63.11:8300' : '') },
    members: { ok: true, value: parseMembers(members) },
    nodeChecks: { ok: true, value: parseNodeChecks(nodeChecks) },
    workshop: { ok: true, value: workshop },
    consulDemo: { ok: true, value: consulDemo },
    demoServersPassing: { ok: true, value: passingDemoServers(consulDemo) },
    page: { ok: true, value: { status: tiles.length ? 200 : 503, tiles: parsePageTiles(html), avatarLinks: parsePageAvatarLinks(html) } },
    api: { ok: true, value: s.api ?? (passing.length ? 200 : 503) },
    avatars: { ok: true, value: Object.fromEntries(passing.map((id) => [id, { ok: true, value: s.avatars?.[id] ?? 200 }])) },
    demo: { ok: true, value: s.demo },
    classroom: {
      ok: true,
      value: s.classroom
        ? { acls: aclsEnabledFrom(200, '[]', 'acl/policies'), students: parseStudentNodes(catalogNodes) }
        : { acls: aclsEnabledFrom(401, 'ACL support disabled', 'acl/policies'), students: [] },
    },
    studentInstances: { ok: true, value: s.classroom ? parseHealthService(JSON.parse(JSON.stringify(studentRaw))) : [] },
  };
}

/** The failing checks' labels and hints, one string each, for readable assertions. */
function failures(r: ExerciseResult): string[] {
  return r.checks.filter((c) => !c.ok).map((c) => `${c.label} — ${c.hint}`);
}

function expectPass(id: string, s: LabState): ExerciseResult {
  const r = checkExercise(id, factsOf(s));
  expect(failures(r)).toEqual([]);
  expect(passed(r)).toBe(true);
  for (const c of r.checks) expect(c.hint).toBe('');
  return r;
}

function expectFail(id: string, s: LabState): ExerciseResult {
  const r = checkExercise(id, factsOf(s));
  expect(passed(r)).toBe(false);
  for (const c of r.checks) if (!c.ok) expect(c.hint).not.toBe('');
  return r;
}

test('the exercise list: ids, titles and README anchors, lab first', () => {
  expect(EXERCISES.map((e) => e.id)).toEqual(['lab', '1', '2', '3', '4', '5', '5-node-check', 'classroom']);
  expect(findExercise('1')?.title).toBe('Discovery and high availability');
  for (const e of EXERCISES) expect(e.anchor).toMatch(/^#[a-z0-9-]+$/);
  expect(() => checkExercise('6', factsOf(healthyLab()))).toThrow(
    /unknown exercise "6": one of lab, 1, 2, 3, 4, 5, 5-node-check, classroom/,
  );
});

test('a result is exactly { id, title, checks: [{ ok, label, hint }] } (the lab view draws it as it is)', () => {
  const r = checkExercise('2', factsOf(healthyLab()));
  expect(Object.keys(r).sort()).toEqual(['checks', 'id', 'title']);
  for (const c of r.checks) expect(Object.keys(c).sort()).toEqual(['hint', 'label', 'ok']);
});

describe('lab: up and whole', () => {
  test('passes on a healthy lab with one demo server', () => {
    expect(expectPass('lab', healthyLab()).checks).toHaveLength(9);
  });

  test('fails with an instance stopped, host-b cut off, or no leader; each ✗ says what to do', () => {
    let f = failures(
      expectFail('lab', healthyLab({ workshop: { 'api-a1': 'passing', 'api-a2': 'gone', 'api-b1': 'passing', 'api-b2': 'passing' } })),
    );
    expect(f).toEqual([expect.stringMatching(/all 4 workshop instances passing \(not: api-a2\) — .*npm run lab:restore-api/)]);

    f = failures(expectFail('lab', healthyLab({ serf: { 'host-a': 'passing', 'host-b': 'critical' } })));
    expect(f).toContainEqual(
      expect.stringMatching(/host-b's agent is alive \(serfHealth is critical\) — .*lab:partition -- --heal host-b/),
    );
    expect(f).toContainEqual(expect.stringMatching(/not: api-b1, api-b2\) — host-b's agent is down/));
    expect(f).toContainEqual(expect.stringMatching(/a consul-demo server is passing — registered but not passing \(on host-b\)/));

    f = failures(expectFail('lab', healthyLab({ leader: false, serversAlive: 1 })));
    expect(f).toEqual([
      expect.stringMatching(/^Consul has a raft leader — no leader: .*docker compose start consul-server-1/),
      expect.stringMatching(/^3 raft voters, all alive \(1 alive of 3 voters\)/),
    ]);
  });

  test('fails when the page and Consul disagree, or the client failed requests', () => {
    let f = failures(expectFail('lab', healthyLab({ page: ['workshop-api-a1', 'workshop-api-b1', 'workshop-api-b2', 'workshop-api-x9'] })));
    expect(f).toEqual([expect.stringMatching(/the page shows api-x9 \(not passing\), lacks api-a2: consul-template/)]);
    // A lone demo server's restart gap costs a request now and then: up to 3 of 20 are tolerated, 4 are not.
    expectPass('lab', healthyLab({ demo: requests(30, (i) => (i % 6 === 0 ? { ok: false, attempts: 2 } : {})) }));
    f = failures(expectFail('lab', healthyLab({ demo: requests(30, (i) => (i % 5 === 0 ? { ok: false, attempts: 2 } : {})) })));
    expect(f).toEqual([
      expect.stringMatching(/at most 3 of the last 20 failed: a lone server's restart gap\): 4 failed — .*npm run lab:scale-server/),
    ]);
    f = failures(expectFail('lab', healthyLab({ demo: requests(5) })));
    expect(f).toEqual([expect.stringMatching(/\(only 5 read\) — is demo-client running/)]);
  });

  test('a part that could not be read fails only its checks, saying what could not be read', () => {
    const facts = factsOf(healthyLab());
    facts.nodeChecks = { ok: false, error: 'Consul http://127.0.0.1:8500/v1/health/state/any?stale: fetch failed (ECONNREFUSED)' };
    facts.demo = { ok: false, error: 'checklab-demo-client-1 is exited' };
    const f = failures(checkExercise('lab', facts));
    expect(f).toEqual([
      expect.stringMatching(/^host-a's agent .* — could not read Consul's node checks: .*ECONNREFUSED/),
      expect.stringMatching(/^host-b's agent .* — could not read Consul's node checks/),
      expect.stringMatching(
        /^the demo client's requests succeed .* — could not read the demo client's requests: checklab-demo-client-1 is exited/,
      ),
    ]);
  });
});

describe('1: discovery and high availability', () => {
  test('passes with two demo servers and 20 first-try requests over DNS and HTTP', () => {
    expectPass('1', healthyLab({ demoServers: 2 }));
  });

  test('passes with ONE server restarting make-before-break: no gap, every request first try', () => {
    expectPass('1', healthyLab({ demoServers: 1, restartMode: 'make-before-break' }));
  });

  test('fails on a one-server lab, with a hint to scale it or use make-before-break', () => {
    const f = failures(
      expectFail('1', healthyLab({ demoServers: 1, demo: requests(30, (i) => (i === 22 || i === 27 ? { attempts: 2 } : {})) })),
    );
    expect(f).toEqual([
      expect.stringMatching(
        /two or more demo servers, or one restarting make-before-break \(1 server, break-before-make\) — .*`npm run lab:scale-server`.*`npm run lab:up -- --restart-mode make-before-break`/,
      ),
      expect.stringMatching(/all succeeded on the first try \(18 of 20\) — .*npm run lab:scale-server/),
    ]);
  });

  test('two incarnations of ONE server are one process; only DNS discovery fails the discovery check', () => {
    const facts = factsOf(healthyLab({ demoServers: 2, demo: requests(20, () => ({ discovery: 'dns' })) }));
    facts.demoServersPassing = {
      ok: true,
      value: passingDemoServers(
        facts.consulDemo.ok ? facts.consulDemo.value.map((i) => ({ ...i, id: 'consul-demo-host-b-7-971e-' + i.port })) : [],
      ),
    };
    expect(failures(checkExercise('1', facts))).toEqual([
      expect.stringMatching(/make-before-break \(1 server, break-before-make\)/),
      expect.stringMatching(/both by DNS and by HTTP \(only dns\)/),
    ]);
  });
});

describe('2: registration and health checks', () => {
  test('passes when every instance has its check inside its service definition', () => {
    expectPass('2', healthyLab());
  });

  test('fails after `lab:up -- --check-scope node`, with the hint to run lab:up', () => {
    const f = failures(expectFail('2', healthyLab({ checkScope: 'node' })));
    expect(f).toEqual([
      expect.stringMatching(/own check \(ServiceID = its ID\) \(none: api-a1, api-a2, api-b1, api-b2\) — `npm run lab:up`/),
      expect.stringMatching(
        /no node-level workshop check on any node \(found workshop-api-a1-node-check on host-a, .*workshop-api-b2-node-check on host-b\) — `npm run lab:up`/,
      ),
    ]);
  });

  test('fails when an instance is critical', () => {
    const f = failures(
      expectFail('2', healthyLab({ workshop: { 'api-a1': 'passing', 'api-a2': 'critical', 'api-b1': 'passing', 'api-b2': 'passing' } })),
    );
    expect(f).toEqual([expect.stringMatching(/\(not: api-a2\)/)]);
  });
});

describe('3: Nginx and consul-template', () => {
  test('passes when the page, the avatars and /api/ follow Consul', () => {
    expectPass('3', healthyLab());
  });

  test('fails when a passing instance is missing from the page and its avatar does not route', () => {
    const f = failures(
      expectFail('3', healthyLab({ page: ['workshop-api-a1', 'workshop-api-b1', 'workshop-api-b2'], avatars: { 'workshop-api-a2': 404 } })),
    );
    expect(f).toEqual([
      expect.stringMatching(/the page lacks api-a2/),
      expect.stringMatching(/\/avatars\/workshop-<name> through Nginx \(not: api-a2\) — api-a2: HTTP 404/),
    ]);
  });

  test('with no instance at all, /api/ 503 says why', () => {
    const gone = { 'api-a1': 'gone', 'api-a2': 'gone', 'api-b1': 'gone', 'api-b2': 'gone' } as const;
    const f = failures(expectFail('3', healthyLab({ workshop: gone })));
    expect(f).toEqual([expect.stringMatching(/none passing/), expect.stringMatching(/\(HTTP 503\) — no workshop instance passes/)]);
  });
});

describe('4: breaking things', () => {
  const killed = { 'api-a1': 'passing', 'api-a2': 'gone', 'api-b1': 'passing', 'api-b2': 'critical' } as const;

  test('passes after lab:kill-api: one stopped, one hard-killed (critical), both off the page, /api/ served by the rest', () => {
    const r = expectPass('4', healthyLab({ workshop: killed }));
    expect(r.checks[0]!.label).toBe('at least one workshop instance is not passing (api-a2, api-b2)');
  });

  test('fails on a whole lab with the hint to run lab:kill-api', () => {
    expect(failures(expectFail('4', healthyLab()))).toEqual([expect.stringMatching(/not passing — stop one: `npm run lab:kill-api`/)]);
  });

  test('fails while the page still shows a killed instance, and without a leader', () => {
    const f = failures(
      expectFail('4', healthyLab({ workshop: killed, leader: false, page: ['workshop-api-a1', 'workshop-api-b1', 'workshop-api-b2'] })),
    );
    expect(f).toEqual([
      expect.stringMatching(/\(still shown: api-b2\) — a hard kill takes a check interval/),
      expect.stringMatching(/raft leader/),
    ]);
  });
});

describe('5: a host fails', () => {
  test('passes with host-b partitioned: serfHealth critical, its services out, host-a whole', () => {
    expectPass('5', healthyLab({ serf: { 'host-a': 'passing', 'host-b': 'critical' } }));
  });

  test('fails on a whole lab, the first ✗ saying `npm run lab:partition -- host-b`', () => {
    const f = failures(expectFail('5', healthyLab()));
    expect(f[0]).toMatch(/host-b's agent is failed \(serfHealth is passing\) — cut host-b off: `npm run lab:partition -- host-b`/);
    expect(f[1]).toMatch(/still passing: api-b1, api-b2, consul-demo consul-demo-host-b-7-971e\)/);
    expect(f[2]).toMatch(/\(still shown: api-b1, api-b2\)/);
    expect(f).toHaveLength(3);
  });

  test("fails when the page lags behind or host-a's instances are down too", () => {
    const f = failures(
      expectFail(
        '5',
        healthyLab({
          serf: { 'host-a': 'passing', 'host-b': 'critical' },
          workshop: { 'api-a1': 'gone', 'api-a2': 'passing', 'api-b1': 'passing', 'api-b2': 'passing' },
          page: ['workshop-api-a2', 'workshop-api-b1'],
        }),
      ),
    );
    expect(f).toEqual([expect.stringMatching(/still shown: api-b1/), expect.stringMatching(/\(not: api-a1\) — `npm run lab:restore-api`/)]);
  });
});

describe("5-node-check: the workshop's node-level check", () => {
  const b1Killed = { 'api-a1': 'passing', 'api-a2': 'passing', 'api-b1': 'critical', 'api-b2': 'passing' } as const;

  test('passes with node-level checks and api-b1 killed hard: api-b2 and consul-demo are out though fine', () => {
    const r = expectPass('5-node-check', healthyLab({ checkScope: 'node', workshop: b1Killed }));
    expect(r.checks.map((c) => c.label)).toEqual([
      'a node-level workshop check on host-b (workshop-api-b1-node-check, workshop-api-b2-node-check)',
      'one of them is critical (workshop-api-b1-node-check)',
      'the other services on host-b are out of the passing set, though their own checks pass (api-b2, consul-demo)',
    ]);
  });

  test('fails on the default lab, the first ✗ saying `npm run lab:up -- --check-scope node`', () => {
    const f = failures(expectFail('5-node-check', healthyLab()));
    expect(f[0]).toMatch(/a node-level workshop check on host-b — .*`npm run lab:up -- --check-scope node`/);
    expect(f[1]).toMatch(/then `npm run lab:kill-api -- api-b1 --hard`/);
  });

  test('fails with node-level checks all passing (nothing killed yet), and when host-b itself is down', () => {
    let f = failures(expectFail('5-node-check', healthyLab({ checkScope: 'node' })));
    expect(f).toEqual([
      expect.stringMatching(/one of them is critical — kill one instance hard/),
      expect.stringMatching(/still passing: api-b1, api-b2, consul-demo/),
    ]);
    f = failures(
      expectFail(
        '5-node-check',
        healthyLab({ checkScope: 'node', workshop: b1Killed, serf: { 'host-a': 'passing', 'host-b': 'critical' } }),
      ),
    );
    expect(f).toEqual([expect.stringMatching(/host-b's agent is not alive\) — here the node check must be the cause/)]);
  });
});

describe('classroom: every student joined, alive, passing and on the page', () => {
  const room = (students: StudentState[]): LabState => healthyLab({ classroom: true, students });

  test('passes with students whose agents are alive, APIs passing and avatars on the page', () => {
    const r = expectPass('classroom', room([student('alice'), student('bob')]));
    expect(r.checks.map((c) => c.label)).toEqual([
      "the lab runs in classroom mode (Consul's ACLs on)",
      'at least one student has joined (a node student-<name>): alice, bob',
      "every student's agent is alive (serfHealth of student-<name> passing) (2)",
      "every student's API passes (workshop-<name> on student-<name>, all checks passing) (2)",
      "every student's avatar is on the shared page (/avatars/workshop-<name>) (2)",
    ]);
  });

  test("students' tiles on the page do not fail the lab's own exercises (they compare the page with the workshop service)", () => {
    const r = room([student('alice'), student('bob')]);
    const facts = factsOf(r);
    expect(facts.page.ok && facts.page.value.tiles).toEqual(expect.arrayContaining(['workshop-alice', 'workshop-bob']));
    expectPass('lab', r);
    expectPass('3', r);
  });

  test('not in classroom mode: every check fails, saying how to start it', () => {
    const f = failures(expectFail('classroom', healthyLab()));
    expect(f).toHaveLength(5);
    for (const line of f) expect(line).toMatch(/npm run lab:up -- --classroom/);
    expect(f[0]).toMatch(/^the lab runs in classroom mode \(Consul's ACLs on\) — ACLs are off/);
  });

  test('no student yet: the join command', () => {
    const f = failures(expectFail('classroom', room([])));
    expect(f).toHaveLength(4);
    expect(f[0]).toBe(
      'at least one student has joined (a node student-<name>) — students run the command lab:up printed: `npm run lab:join -- <address> --code <code> --name <github-account>`',
    );
    for (const line of f.slice(1)) expect(line).toMatch(/\(no student yet\) — students run the command lab:up printed/);
  });

  test("a dead agent, a failing API, an instance on someone else's node, an avatar missing: each named with why", () => {
    const f = failures(
      expectFail(
        'classroom',
        room([
          student('alice'),
          student('bob', { serf: 'critical' }),
          student('carol', { api: 'critical' }),
          student('dave', { api: 'gone' }),
          student('erin', { apiNode: 'student-alice' }),
          student('frank', { onPage: false }),
        ]),
      ),
    );
    expect(f).toEqual([
      expect.stringMatching(/^every student's agent is alive .* \(1 of 6 not\) — bob \(serfHealth critical\) — .*npm run lab:roster/),
      "every student's API passes (workshop-<name> on student-<name>, all checks passing) (4 of 6 not) — " +
        'bob (agent down), carol (check critical), dave (not registered), erin (only on node student-alice) — ' +
        "on that student's machine `docker compose -p lab-student logs workshop-api`; `npm run lab:roster` says why for each",
      expect.stringMatching(
        /^every student's avatar is on the shared page .* \(4 of 6 not\) — bob \(not there\), carol \(not there\), dave \(not there\), frank \(not there\) — .*TCP 8081.*npm run lab:roster/,
      ),
    ]);
  });

  test('a node name from Consul that is no GitHub login is shown quoted and escaped, never raw', () => {
    const odd = 'x\u001b[2J\u202e"evil\\';
    const r = expectFail('classroom', room([student('alice'), { name: odd, serf: 'passing', api: 'gone', onPage: false }]));
    const text = [...failures(r), ...r.checks.map((c) => c.label)].join(' | ');
    expect(text).toContain('"x\\u001b[2J\\u202e\\u0022evil\\u005c" (not a GitHub login, so no API of its own)');
    // eslint-disable-next-line no-control-regex -- that is what must not be there
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(shownName('a'.repeat(45) + '!')).toBe(`"${'a'.repeat(40)}"…`);
    expect(shownName('alice')).toBe('alice');
  });

  test('unreadable parts fail only the checks that need them, saying what could not be read', () => {
    const facts = factsOfRoom([student('alice')]);
    const r = checkExercise('classroom', { ...facts, studentInstances: { ok: false, error: 'HTTP 500' } });
    expect(failures(r)).toEqual([`every student's API passes — could not read the students' workshop instances: HTTP 500`]);
    const r2 = checkExercise('classroom', { ...facts, classroom: { ok: false, error: 'HTTP 403: Permission denied' } });
    expect(failures(r2)).toHaveLength(5);
    for (const line of failures(r2)) expect(line).toMatch(/could not read whether Consul's ACLs are on: HTTP 403/);
  });

  function factsOfRoom(students: StudentState[]): LabFacts {
    return factsOf(room(students));
  }
});
