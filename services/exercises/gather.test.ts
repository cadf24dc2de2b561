// The gatherer: Consul's and Nginx's answers parsed field by field (fast-check: anything Consul might send, and
// IDs/names with odd characters, never crash it), and gatherFacts over a fake fetch: a failing side is recorded
// as not known, never thrown.
import fc from 'fast-check';
import { checkExercise, EXERCISES } from './exercises';
import {
  aclsEnabledFrom,
  demoRequestsFromResults,
  gatherFacts,
  parseHealthService,
  parseMembers,
  parseNodeChecks,
  parsePageAvatarLinks,
  parsePageTiles,
  parseRaft,
  parseStudentNodes,
  passingDemoServers,
  connectClientFromLines,
  connectClientFromResults,
  parseLastDie,
} from './gather';

// One entry of /v1/health/service/workshop as Consul 1.20.5 answered in the lab (trimmed of indexes and proxy fields).
const REAL_ENTRY = {
  Node: {
    ID: '3c9aca32-c936-6b34-8aac-81d6e2055064',
    Node: 'host-a',
    Address: '10.213.63.21',
    Datacenter: 'dc1',
    Meta: { 'consul-version': '1.20.5' },
  },
  Service: {
    ID: 'workshop-api-a1',
    Service: 'workshop',
    Tags: [],
    Address: '10.213.63.21',
    Meta: { host: 'host-a', name: 'api-a1' },
    Port: 8081,
    Weights: { Passing: 1, Warning: 1 },
  },
  Checks: [
    {
      Node: 'host-a',
      CheckID: 'serfHealth',
      Name: 'Serf Health Status',
      Status: 'passing',
      ServiceID: '',
      ServiceName: '',
      ServiceTags: [],
    },
    {
      Node: 'host-a',
      CheckID: 'service:workshop-api-a1',
      Name: 'workshop-api-a1 /health',
      Status: 'passing',
      ServiceID: 'workshop-api-a1',
      ServiceName: 'workshop',
    },
  ],
};

test('a real health entry: instance, node, checks, passing', () => {
  const [i] = parseHealthService([REAL_ENTRY]);
  expect(i).toEqual({
    id: 'workshop-api-a1',
    service: 'workshop',
    node: 'host-a',
    address: '10.213.63.21',
    port: 8081,
    meta: { host: 'host-a', name: 'api-a1' },
    checks: [
      { node: 'host-a', checkId: 'serfHealth', name: 'Serf Health Status', status: 'passing', serviceId: '' },
      {
        node: 'host-a',
        checkId: 'service:workshop-api-a1',
        name: 'workshop-api-a1 /health',
        status: 'passing',
        serviceId: 'workshop-api-a1',
      },
    ],
    passing: true,
  });
  // warning and maintenance take an instance out of ?passing too.
  for (const Status of ['warning', 'maintenance', undefined]) {
    const e = { ...REAL_ENTRY, Checks: [REAL_ENTRY.Checks[0], { ...REAL_ENTRY.Checks[1], Status }] };
    expect(parseHealthService([e])[0]!.passing).toBe(false);
  }
});

test('members, raft, node checks and the page as the lab answers them', () => {
  expect(
    parseMembers([
      { Name: 'consul-server-1', Addr: '10.213.63.11', Tags: { role: 'consul' }, Status: 1 },
      { Name: 'host-b', Addr: '10.213.63.22', Tags: { role: 'node' }, Status: 4 },
    ]),
  ).toEqual([
    { name: 'consul-server-1', address: '10.213.63.11', role: 'server', status: 'alive' },
    { name: 'host-b', address: '10.213.63.22', role: 'client', status: 'failed' },
  ]);
  const raft = {
    Servers: [
      { Node: 'consul-server-3', Voter: true, Leader: false },
      { Node: 'consul-server-1', Voter: true, Leader: true },
      { Node: 'x', Voter: false },
    ],
    Index: 0,
  };
  expect(parseRaft(raft, '10.213.63.11:8300')).toEqual({ leader: '10.213.63.11:8300', voters: ['consul-server-3', 'consul-server-1'] });
  expect(parseRaft(raft, '').leader).toBeNull();
  expect(
    parseNodeChecks([
      { Node: 'host-b', CheckID: 'serfHealth', Status: 'critical', ServiceID: '' },
      {
        Node: 'host-b',
        CheckID: 'workshop-api-b1-node-check',
        Name: 'workshop-api-b1 /health (node-level)',
        Status: 'critical',
        ServiceID: '',
      },
      { Node: 'host-b', CheckID: 'service:workshop-api-b2', Status: 'passing', ServiceID: 'workshop-api-b2' },
    ]).map((c) => c.checkId),
  ).toEqual(['serfHealth', 'workshop-api-b1-node-check']);
  const page =
    '<ul class="tiles" data-count="2">\n<li class="tile" data-id="workshop-api-a1">\n  <img src="/avatars/workshop-api-a1">\n<li class="tile" data-id="workshop-api-b2">';
  expect(parsePageTiles(page)).toEqual(['workshop-api-a1', 'workshop-api-b2']);
  expect(parsePageTiles('<p class="empty" id="empty-state">No healthy workshop instances right now.</p>')).toEqual([]);
});

test('demo server processes: the ID minus its incarnation, passing only', () => {
  const inst = (id: string, passing = true) => ({
    id,
    service: 'consul-demo',
    node: 'host-b',
    address: '',
    port: 1,
    meta: {},
    checks: [],
    passing,
  });
  expect(
    passingDemoServers([
      inst('consul-demo-host-b-7-971e-9'),
      inst('consul-demo-host-b-7-971e-10'),
      inst('consul-demo-host-b-8-0a1b-1', false),
    ]),
  ).toEqual(['consul-demo-host-b-7-971e']);
});

test("the demo client's /results body: normalised, oldest first, malformed entries skipped", () => {
  const body = {
    results: [
      { at: '2026-11-23T00:00:02.000Z', ok: true, attempts: 2, discovery: 'http', instance: '10.0.0.1:3', version: 'v1', error: null },
      { at: '2026-11-23T00:00:01.000Z', ok: false, attempts: 2, discovery: 'dns', instance: null, version: null, error: 'no instance' },
      { at: 'later', ok: 'yes' },
      null,
    ],
  };
  expect(demoRequestsFromResults(body)).toEqual([
    { at: Date.parse('2026-11-23T00:00:01.000Z'), ok: false, attempts: 2, discovery: 'dns' },
    { at: Date.parse('2026-11-23T00:00:02.000Z'), ok: true, attempts: 2, discovery: 'http' },
  ]);
  expect(() => demoRequestsFromResults({ nope: [] })).toThrow(/results/);
});

describe('arbitrary answers never crash the parsers', () => {
  const json = fc.jsonValue();
  test('anything in an array parses (or the whole answer is rejected with one message when it is not an array)', () => {
    fc.assert(
      fc.property(fc.array(json), json, (arr, any) => {
        parseHealthService(arr);
        parseNodeChecks(arr);
        parseMembers(arr);
        parseRaft({ Servers: arr }, any);
        demoRequestsFromResults({ results: arr });
        for (const p of [parseHealthService, parseNodeChecks, parseMembers])
          if (!Array.isArray(any)) expect(() => p(any)).toThrow(/expected a JSON array/);
      }),
    );
  });

  test('IDs, names and meta with odd characters come through as they are', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite' }), fc.string(), fc.dictionary(fc.string(), fc.string()), (id, node, meta) => {
        const entry = { ...REAL_ENTRY, Node: { Node: node, Address: '1.2.3.4' }, Service: { ...REAL_ENTRY.Service, ID: id, Meta: meta } };
        const [i] = parseHealthService([entry]);
        expect(i!.id).toBe(id);
        expect(i!.node).toBe(node);
        expect(i!.meta).toEqual(Object.fromEntries(Object.entries(meta)));
        expect(passingDemoServers([i!])).toHaveLength(1);
      }),
    );
  });

  test('any page text parses to unique tiles', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string()), (html, ids) => {
        const tiles = parsePageTiles(html + ids.map((id) => `<li class="tile" data-id="${id}">`).join(''));
        expect(new Set(tiles).size).toBe(tiles.length);
      }),
    );
  });
});

/** A fetch that answers by path from a table; anything else is a connection refused. */
function fakeFetch(routes: Record<string, { status?: number; body: unknown } | Error>): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    const r = routes[url.pathname];
    if (!r) throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:8500') });
    if (r instanceof Error) throw r;
    const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    return new Response(text, { status: r.status ?? 200 });
  }) as typeof fetch;
}

describe('gatherFacts', () => {
  const opts = { consulUrl: 'http://127.0.0.1:8500/', nginxUrl: 'http://127.0.0.1:8080', demoResampleMs: 0 };

  test('reads every part; avatars for the passing instances only', async () => {
    const calls: string[] = [];
    const routes = fakeFetch({
      '/v1/status/leader': { body: '"10.213.63.11:8300"' },
      '/v1/operator/raft/configuration': { body: { Servers: [{ Node: 'consul-server-1', Voter: true }] } },
      '/v1/agent/members': { body: [{ Name: 'host-a', Tags: { role: 'node' }, Status: 1 }] },
      '/v1/health/state/any': { body: [REAL_ENTRY.Checks[0]] },
      '/v1/health/service/workshop': {
        body: [REAL_ENTRY, { ...REAL_ENTRY, Service: { ...REAL_ENTRY.Service, ID: 'workshop-odd' }, Checks: [{ Status: 'critical' }] }],
      },
      '/v1/health/service/consul-demo': { body: [] },
      '/': { body: '<li class="tile" data-id="workshop-api-a1"><img src="/avatars/workshop-api-a1">' },
      '/api/': { status: 200, body: '{}' },
      '/avatars/workshop-api-a1': { status: 200, body: 'png' },
    });
    const facts = await gatherFacts({
      ...opts,
      demoRequests: async () => [{ at: 1, ok: true, attempts: 1, discovery: 'dns' }],
      fetch: (async (u: string | URL | Request, init?: RequestInit) => {
        calls.push(String(u));
        return routes(u, init);
      }) as typeof fetch,
    });
    expect(facts.raft).toEqual({ ok: true, value: { leader: '10.213.63.11:8300', voters: ['consul-server-1'] } });
    expect(facts.workshop.ok && facts.workshop.value.map((i) => [i.id, i.passing])).toEqual([
      ['workshop-api-a1', true],
      ['workshop-odd', false],
    ]);
    expect(facts.page).toEqual({ ok: true, value: { status: 200, tiles: ['workshop-api-a1'], avatarLinks: ['workshop-api-a1'] } });
    // No ACL route: "not known", and so no student was asked about.
    expect(facts.classroom.ok).toBe(false);
    expect(facts.studentInstances.ok).toBe(false);
    expect(facts.api).toEqual({ ok: true, value: 200 });
    expect(facts.avatars).toEqual({ ok: true, value: { 'workshop-api-a1': { ok: true, value: 200 } } });
    expect(facts.demoServersPassing).toEqual({ ok: true, value: [] });
    // Stale reads where a leaderless cluster must still answer; no double slash from the trailing one.
    expect(calls).toEqual(
      expect.arrayContaining([
        'http://127.0.0.1:8500/v1/health/service/workshop?stale',
        'http://127.0.0.1:8500/v1/health/state/any?stale',
        'http://127.0.0.1:8500/v1/operator/raft/configuration?stale',
      ]),
    );
  });

  test('nothing answers: every part is "not known" with why, and every exercise fails with hints instead of throwing', async () => {
    const facts = await gatherFacts({
      ...opts,
      fetch: fakeFetch({}),
      demoRequests: () => Promise.reject(new Error('checklab-demo-client-1 is exited')),
    });
    for (const part of [
      'raft',
      'members',
      'nodeChecks',
      'workshop',
      'consulDemo',
      'demoServersPassing',
      'page',
      'api',
      'avatars',
      'demo',
      'classroom',
      'studentInstances',
    ] as const)
      expect(facts[part].ok).toBe(false);
    expect(facts.workshop).toEqual({
      ok: false,
      error: expect.stringMatching(
        /^Consul http:\/\/127\.0\.0\.1:8500\/v1\/health\/service\/workshop\?stale: fetch failed \(.*ECONNREFUSED/,
      ),
    });
    expect(facts.demo).toEqual({ ok: false, error: 'checklab-demo-client-1 is exited' });
    for (const e of EXERCISES) {
      const r = checkExercise(e.id, facts);
      for (const c of r.checks) {
        if (c.ok) continue;
        expect(c.hint).toMatch(/could not read/);
      }
    }
  });

  test('HTTP errors and non-JSON are recorded with the status; a 503 page is an answer, not an error', async () => {
    const facts = await gatherFacts({
      ...opts,
      demoRequests: async () => [],
      fetch: fakeFetch({
        '/v1/status/leader': { status: 500, body: 'No cluster leader' },
        '/v1/operator/raft/configuration': { body: { Servers: [] } },
        '/v1/agent/members': { body: 'not json' },
        '/v1/health/state/any': { body: { not: 'a list' } },
        '/v1/health/service/workshop': { body: [] },
        '/v1/health/service/consul-demo': { body: [] },
        '/': { status: 503, body: '<p class="empty">' },
        '/api/': { status: 503, body: 'unavailable' },
      }),
    });
    expect(facts.raft).toEqual({ ok: false, error: expect.stringMatching(/status\/leader: HTTP 500: No cluster leader$/) });
    expect(facts.members).toEqual({ ok: false, error: expect.stringMatching(/agent\/members: not JSON$/) });
    expect(facts.nodeChecks).toEqual({ ok: false, error: 'health/state/any: expected a JSON array' });
    expect(facts.page).toEqual({ ok: true, value: { status: 503, tiles: [], avatarLinks: [] } });
    expect(facts.api).toEqual({ ok: true, value: 503 });
  });

  test('arbitrary Consul bodies never make gatherFacts or the checks throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.jsonValue(), fc.string(), async (a, b, page) => {
        const facts = await gatherFacts({
          ...opts,
          demoRequests: async () => [],
          fetch: fakeFetch({
            '/v1/status/leader': { body: a },
            '/v1/operator/raft/configuration': { body: b },
            '/v1/agent/members': { body: a },
            '/v1/health/state/any': { body: Array.isArray(b) ? b : [b] },
            '/v1/health/service/workshop': { body: Array.isArray(a) ? a : [a] },
            '/v1/health/service/consul-demo': { body: b },
            '/': { body: page },
            '/api/': { body: '' },
          }),
        });
        for (const e of EXERCISES) checkExercise(e.id, facts);
      }),
      { numRuns: 60 },
    );
  });

  test('one demo server seen: a second read a moment later adds a server that was in its restart gap', async () => {
    const demo = (ids: string[]) =>
      ids.map((id) => ({
        ...REAL_ENTRY,
        Service: { ...REAL_ENTRY.Service, ID: id, Service: 'consul-demo' },
        Checks: [{ Status: 'passing' }],
      }));
    let reads = 0;
    const base = fakeFetch({});
    const facts = await gatherFacts({
      ...opts,
      demoResampleMs: 5,
      demoRequests: async () => [],
      fetch: (async (u: string | URL | Request, init?: RequestInit) => {
        if (new URL(String(u)).pathname !== '/v1/health/service/consul-demo') return base(u, init);
        reads += 1;
        const body = reads === 1 ? demo(['consul-demo-host-b-7-aaaa-3']) : demo(['consul-demo-host-b-7-bbbb-8']);
        return new Response(JSON.stringify(body));
      }) as typeof fetch,
    });
    expect(reads).toBe(2);
    expect(facts.demoServersPassing).toEqual({ ok: true, value: ['consul-demo-host-b-7-aaaa', 'consul-demo-host-b-7-bbbb'] });
    expect(facts.consulDemo.ok && facts.consulDemo.value.map((i) => i.id)).toEqual(['consul-demo-host-b-7-aaaa-3']);
  });
});

describe('classroom facts', () => {
  const opts = { consulUrl: 'http://127.0.0.1:8500', nginxUrl: 'http://127.0.0.1:8080', demoResampleMs: 0, demoRequests: async () => [] };
  const studentEntry = (name: string) => ({
    Node: { Node: `student-${name}`, Address: '192.168.1.31' },
    Service: { ID: `workshop-${name}`, Service: `workshop-${name}`, Port: 8081 },
    Checks: [{ Node: `student-${name}`, CheckID: 'serfHealth', Status: 'passing', ServiceID: '' }],
  });

  test('the parsers: student nodes (sorted, unique, `student-` alone is none), avatar links (decoded, unique), ACLs on or off', () => {
    expect(
      parseStudentNodes([
        { Node: 'host-a' },
        { Node: 'student-bob' },
        { Node: 'student-' },
        { Node: 'student-alice' },
        { Node: 'student-bob' },
        {},
      ]),
    ).toEqual(['alice', 'bob']);
    expect(() => parseStudentNodes({})).toThrow(/catalog\/nodes: expected a JSON array/);
    expect(
      parsePageAvatarLinks('<img src="/avatars/workshop-api-a1"><a href="/avatars/workshop-%C3%A9"><img src="/avatars/workshop-api-a1">'),
    ).toEqual(['workshop-api-a1', 'workshop-é']);
    expect(aclsEnabledFrom(200, '[]', 'x')).toBe(true);
    expect(aclsEnabledFrom(401, 'ACL support disabled', 'x')).toBe(false);
    expect(aclsEnabledFrom(500, 'rpc error: ACL support disabled', 'x')).toBe(false);
    expect(aclsEnabledFrom(403, 'rpc error making call: ACL support disabled', 'x')).toBe(false);
    // Classroom mode seen by the anonymous token (the lab view, lab:check without a token): ACLs on.
    expect(aclsEnabledFrom(403, "Permission denied: anonymous token lacks permission 'acl:read'", 'x')).toBe(true);
    expect(aclsEnabledFrom(403, 'ACL not found', 'x')).toBe(true);
    expect(() => aclsEnabledFrom(502, 'Bad Gateway\nmore', 'Consul x')).toThrow(/^Consul x: HTTP 502: Bad Gateway$/);
  });

  test("ACLs on: the student nodes, and each student's own service (names no GitHub login can be are not asked for)", async () => {
    const calls: string[] = [];
    const routes = fakeFetch({
      '/v1/acl/policies': { body: [{ Name: 'global-management' }] },
      '/v1/catalog/nodes': { body: [{ Node: 'host-a' }, { Node: 'student-alice' }, { Node: 'student-bob' }, { Node: 'student-x y' }] },
      '/v1/health/service/workshop-alice': { body: [studentEntry('alice')] },
      '/v1/health/service/workshop-bob': { body: [] },
    });
    const facts = await gatherFacts({
      ...opts,
      consulToken: 'tok',
      fetch: (async (u: string | URL | Request, init?: RequestInit) => {
        calls.push(`${String(u)} ${new Headers(init?.headers).get('x-consul-token') ?? '-'}`);
        return routes(u, init);
      }) as typeof fetch,
    });
    expect(facts.classroom).toEqual({ ok: true, value: { acls: true, students: ['alice', 'bob', 'x y'] } });
    expect(facts.studentInstances.ok && facts.studentInstances.value.map((i) => [i.id, i.node, i.passing])).toEqual([
      ['workshop-alice', 'student-alice', true],
    ]);
    expect(calls).toEqual(
      expect.arrayContaining([
        'http://127.0.0.1:8500/v1/acl/policies tok',
        'http://127.0.0.1:8500/v1/catalog/nodes?stale tok',
        'http://127.0.0.1:8500/v1/health/service/workshop-alice?stale tok',
        'http://127.0.0.1:8500/v1/health/service/workshop-bob?stale tok',
      ]),
    );
    expect(calls.filter((c) => c.includes('x%20y') || c.includes('x y'))).toEqual([]);
  });

  test('ACLs off: not classroom mode, and nothing more is asked; 403 (no acl:read): classroom mode; a 500 or a failed student read: not known', async () => {
    const calls: string[] = [];
    const off = fakeFetch({ '/v1/acl/policies': { status: 401, body: 'ACL support disabled' } });
    const facts = await gatherFacts({
      ...opts,
      fetch: (async (u: string | URL | Request, init?: RequestInit) => {
        calls.push(new URL(String(u)).pathname);
        return off(u, init);
      }) as typeof fetch,
    });
    expect(facts.classroom).toEqual({ ok: true, value: { acls: false, students: [] } });
    expect(facts.studentInstances).toEqual({ ok: true, value: [] });
    expect(
      calls.filter((p) => (p.startsWith('/v1/catalog') && p !== '/v1/catalog/datacenters') || p.startsWith('/v1/health/service/workshop-')),
    ).toEqual([]);

    // The anonymous token in classroom mode (the lab view, lab:check without a token): ACLs on, students read.
    const anonymous = await gatherFacts({
      ...opts,
      fetch: fakeFetch({
        '/v1/acl/policies': { status: 403, body: "Permission denied: anonymous token lacks permission 'acl:read'" },
        '/v1/catalog/nodes': { body: [{ Node: 'student-alice' }] },
        '/v1/health/service/workshop-alice': { body: [] },
      }),
    });
    expect(anonymous.classroom).toEqual({ ok: true, value: { acls: true, students: ['alice'] } });

    const refused = await gatherFacts({
      ...opts,
      fetch: fakeFetch({ '/v1/acl/policies': { status: 500, body: 'No cluster leader' } }),
    });
    expect(refused.classroom).toEqual({ ok: false, error: 'Consul http://127.0.0.1:8500/v1/acl/policies: HTTP 500: No cluster leader' });
    expect(refused.studentInstances).toEqual(refused.classroom);

    const broken = await gatherFacts({
      ...opts,
      fetch: fakeFetch({
        '/v1/acl/policies': { body: [] },
        '/v1/catalog/nodes': { body: [{ Node: 'student-alice' }] },
        '/v1/health/service/workshop-alice': { status: 500, body: 'rpc error' },
      }),
    });
    expect(broken.classroom).toEqual({ ok: true, value: { acls: true, students: ['alice'] } });
    expect(broken.studentInstances).toEqual({ ok: false, error: expect.stringMatching(/workshop-alice\?stale: HTTP 500: rpc error$/) });
  });
});

describe('exercise 6 and 7 readers', () => {
  test("the registrator's last-die record: a number of ms rounded, an unparseable time 0, another shape refused", () => {
    expect(
      parseLastDie({
        serviceId: 'workshop-api-b3',
        container: 'abc',
        exitCode: 137,
        eventAt: 'x',
        deregisteredAt: '2026-12-07T02:00:00.000Z',
        ms: 40.4,
      }),
    ).toEqual({ serviceId: 'workshop-api-b3', exitCode: 137, ms: 40, at: Date.parse('2026-12-07T02:00:00.000Z') });
    expect(() => parseLastDie({ serviceId: 3 })).toThrow(/registrator last-die: unexpected answer/);
  });

  test("inventory-client's /results and --json lines give the same fact; other kinds and malformed entries are skipped", () => {
    const req = { kind: 'request', at: '2026-12-07T02:18:22.822Z', ok: false, ms: 28.2, error: 'closed without a reply' };
    const tls = {
      kind: 'tls',
      ok: true,
      uri: 'spiffe://t.consul/ns/default/dc/dc1/svc/inventory-db',
      issuer: 'CA',
      refused: true,
      plainAnswered: false,
    };
    const fact = {
      requests: [{ at: Date.parse(req.at), ok: false, error: 'closed without a reply' }],
      tls: { ok: true, uri: tls.uri, issuer: 'CA', refused: true, plainAnswered: false },
    };
    expect(connectClientFromResults({ results: [req, { ok: 'yes' }, null], tls })).toEqual(fact);
    expect(connectClientFromLines([{ kind: 'tls', ok: 'no' }, req, 'noise', tls])).toEqual(fact);
    expect(connectClientFromResults({ results: [], tls: null })).toEqual({ requests: [], tls: null });
    expect(() => connectClientFromResults({ tls: null })).toThrow(/inventory-client \/results: expected a JSON array/);
  });
});
