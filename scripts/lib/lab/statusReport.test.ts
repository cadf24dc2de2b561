import fc from 'fast-check';
import type { ServiceInstance } from '../consul/labConsul';
import { terminalSafeJson } from '../../../services/shared/terminalText';
import { exerciseLines, hostRows, renderStatus, StatusReport } from './statusReport';

const base: StatusReport = {
  project: 'consul-lab',
  consulUrl: 'http://127.0.0.1:8500',
  nginxUrl: 'http://127.0.0.1:8080',
  labViewUrl: 'http://127.0.0.1:8090',
  containers: [{ name: 'consul-lab-nginx-1', service: 'nginx', state: 'running', health: 'healthy' }],
  members: {
    ok: true,
    value: [
      { name: 'consul-server-1', address: '10.213.50.11', role: 'server', status: 'alive', leader: true },
      { name: 'host-a', address: '10.213.50.21', role: 'client', status: 'alive', leader: false },
      { name: 'host-b', address: '10.213.50.22', role: 'client', status: 'failed', leader: false },
    ],
  },
  leader: { ok: true, value: '10.213.50.11:8300' },
  services: { ok: true, value: [{ service: 'workshop', passing: 3, warning: 0, critical: 0 }] },
  hosts: {
    ok: true,
    value: [
      { host: 'host-a', agent: 'alive', instances: [{ label: 'api-a1', status: 'passing' }] },
      { host: 'host-b', agent: 'failed', instances: [{ label: 'api-b1', status: 'critical' }] },
    ],
  },
  demoClient: { ok: true, value: { requests: 60, ok: 59, firstTry: 58, failed: 1, lastError: null, windowMs: 60_000 } },
  page: { ok: true, value: { status: 200, instances: ['workshop-api-1a2b3c', 'workshop-api-9f8e7d'] } },
  upstream: { ok: true, value: ['10.213.50.130:8080', '10.213.50.131:8080'] },
};

describe('renderStatus', () => {
  it('shows URLs, members with the leader, counts, success rate, page names and upstream', () => {
    const out = renderStatus(base);
    expect(out).toContain('Consul UI http://localhost:8500/ui   Nginx page http://localhost:8080/   Lab view http://localhost:8090/');
    expect(out).toMatch(/consul-server-1\s+server\s+alive\s+10\.213\.50\.11\s+<- leader/);
    expect(out).toMatch(/workshop\s+3\s+0\s+0/);
    expect(out).toContain('60 requests: 59 ok (98.3 %), 58 on the first try (96.7 %), 1 failed');
    expect(out).toContain('  api-1a2b3c  api-9f8e7d');
    expect(out).toContain('Nginx upstream behind /api/: 10.213.50.130:8080  10.213.50.131:8080');
    expect(out).not.toContain('NO LEADER');
    expect(out).toMatch(/host-a\s+alive\s+api-a1 passing/);
    expect(out).toMatch(/host-b\s+failed\s+api-b1 critical/);
  });

  it('says so plainly when there is no leader, and marks the counts stale', () => {
    const out = renderStatus({ ...base, leader: { ok: true, value: '' } });
    expect(out).toContain('NO LEADER');
    expect(out).toContain('STALE');
  });

  it('keeps the other sections when one side fails', () => {
    const out = renderStatus({
      ...base,
      page: { ok: false, error: 'Nginx page http://127.0.0.1:8080/: fetch failed' },
      upstream: { ok: true, value: [] },
    });
    expect(out).toContain('unavailable: Nginx page http://127.0.0.1:8080/: fetch failed');
    expect(out).toContain('empty (no passing instance: /api/ answers 503)');
    expect(out).toMatch(/workshop\s+3/);
  });
});

describe('hostRows', () => {
  const inst = (service: string, node: string, name: string, status: ServiceInstance['status'], port = 8081): ServiceInstance => ({
    id: `${service}-${name}`,
    service,
    address: '10.213.50.22',
    port,
    tags: [],
    meta: service === 'workshop' ? { name } : {},
    node,
    status,
  });
  it('groups instances under their host, with the agent as the cluster sees it; servers are not hosts', () => {
    const rows = hostRows(
      [
        { name: 'consul-server-1', address: '10.213.50.11', role: 'server', status: 'alive', leader: true },
        { name: 'host-b', address: '10.213.50.22', role: 'client', status: 'failed', leader: false },
        { name: 'host-a', address: '10.213.50.21', role: 'client', status: 'alive', leader: false },
      ],
      [
        inst('workshop', 'host-b', 'api-b2', 'critical'),
        inst('consul-demo', 'host-b', 'x', 'critical', 40123),
        inst('workshop', 'host-b', 'api-b1', 'critical'),
      ],
    );
    expect(rows).toEqual([
      { host: 'host-a', agent: 'alive', instances: [] },
      {
        host: 'host-b',
        agent: 'failed',
        instances: [
          { label: 'consul-demo:40123', status: 'critical' },
          { label: 'api-b1', status: 'critical' },
          { label: 'api-b2', status: 'critical' },
        ],
      },
    ]);
  });
  it('lists a node that only has instances as agent unknown', () => {
    expect(hostRows([], [inst('workshop', 'elsewhere', 'n', 'passing')])).toEqual([
      { host: 'elsewhere', agent: 'unknown', instances: [{ label: 'n', status: 'passing' }] },
    ]);
  });
});

// Every name lab:status prints comes from Consul (or the page, or Nginx's config rendered from Consul): in classroom
// mode anyone holding the gossip key or a student token writes them.
// eslint-disable-next-line no-control-regex -- the properties are about control characters
const NEVER_RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Strings as a hostile node would name itself: full unicode, with a bias for escapes, controls and bidi marks. */
const hostile = fc.oneof(
  fc.string({ unit: 'grapheme-composite', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.oneof(
      fc.constantFrom('\u001b[2J', '\u001b]0;pwned\u0007', '\u009b', '\u009b31m', '\u202e', '\u2066', '\u200b', '\u007f', '\n', '\r'),
      fc.constantFrom('\u0000', '\t', '"', '\\', '🔑', '\ud800', '\udc00', 'a', '-', '.', ':'),
    ),
    maxLength: 30,
  }),
);

/** `r` with every string in it replaced by `f(s)` (numbers, booleans and structure kept). */
function mapStrings<T>(v: T, f: (s: string) => string): T {
  if (typeof v === 'string') return f(v) as T;
  if (Array.isArray(v)) return v.map((x: unknown) => mapStrings(x, f)) as T;
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, f)])) as T;
  return v;
}

const hostileReport = fc
  .record({
    project: hostile,
    container: hostile,
    member: fc.array(fc.tuple(hostile, hostile), { minLength: 1, maxLength: 4 }),
    leader: hostile,
    service: fc.array(hostile, { maxLength: 3 }),
    host: fc.array(fc.tuple(hostile, fc.array(hostile, { maxLength: 3 })), { maxLength: 3 }),
    lastError: hostile,
    page: fc.array(hostile, { maxLength: 4 }),
    upstream: fc.array(hostile, { maxLength: 3 }),
    error: hostile,
    failing: fc.boolean(),
  })
  .map((h): StatusReport => ({
    ...base,
    project: h.project,
    containers: [{ name: h.container, service: h.container, state: h.container, health: 'healthy' }],
    members: {
      ok: true,
      value: h.member.map(([name, address], i) => ({ name, address, role: i ? 'client' : 'server', status: 'alive', leader: !i })),
    },
    leader: h.failing ? { ok: false, error: h.error } : { ok: true, value: h.leader },
    services: h.failing
      ? { ok: false, error: h.error }
      : { ok: true, value: h.service.map((service) => ({ service, passing: 1, warning: 0, critical: 2 })) },
    hosts: {
      ok: true,
      value: h.host.map(([host, labels]) => ({ host, agent: 'alive', instances: labels.map((label) => ({ label, status: 'passing' })) })),
    },
    demoClient: h.failing
      ? { ok: false, error: h.error }
      : { ok: true, value: { requests: 3, ok: 2, firstTry: 2, failed: 1, lastError: { ts: 0, error: h.lastError }, windowMs: 60_000 } },
    page: h.failing ? { ok: false, error: h.error } : { ok: true, value: { status: 200, instances: h.page } },
    upstream: h.failing ? { ok: false, error: h.error } : { ok: true, value: h.upstream },
  }));

describe('renderStatus with names from a hostile member', () => {
  it('escapes a terminal escape in a node name, and keeps it on its own line', () => {
    const evil = 'x\u001b[2J\u001b]0;pwned\u0007\nconsul-server-9  server  alive\u009b31m';
    const out = renderStatus({
      ...base,
      members: { ok: true, value: [{ name: evil, address: '10.0.0.9\u202e', role: 'client', status: 'alive', leader: false }] },
    });
    expect(out).not.toMatch(NEVER_RAW);
    expect(out).toContain(
      '"x\\u001b[2J\\u001b]0;pwned\\u0007\\nconsul-server-9  server  alive\\u009b31m"  client  alive   "10.0.0.9\\u202e"',
    );
    expect(out).not.toMatch(/^ *consul-server-9/m);
  });

  it('property: whatever the names, nothing unsafe is printed raw and no name adds a line', () => {
    fc.assert(
      fc.property(hostileReport, (report) => {
        const out = renderStatus(report);
        expect(out).not.toMatch(NEVER_RAW);
        expect(out).not.toMatch(LONE_SURROGATE);
        // The same report with tame names has exactly as many lines: a newline in a name is escaped, never a line.
        const tame = mapStrings(report, (s) => (s === '' ? '' : 'x'));
        expect(out.split('\n')).toHaveLength(renderStatus(tame).split('\n').length);
        for (const line of out.split('\n')) expect(line.length).toBeLessThan(3000);
      }),
    );
  });

  it('property: --json is one line, parses back to the same report, and prints nothing unsafe raw', () => {
    fc.assert(
      fc.property(hostileReport, (report) => {
        const out = terminalSafeJson(report);
        expect(out).not.toMatch(NEVER_RAW);
        expect(out).not.toMatch(LONE_SURROGATE);
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(report)));
      }),
    );
  });
});

describe('what the exercises added', () => {
  const inst = (
    id: string,
    service: string,
    status: ServiceInstance['status'],
    meta: Record<string, string> = {},
    node = 'host-b',
  ): ServiceInstance => ({
    id,
    service,
    address: '10.213.50.22',
    port: 6379,
    tags: [],
    meta,
    node,
    status,
  });
  const ex = {
    inventoryDb: [
      inst('inventory-db', 'inventory-db', 'passing', { 'registered-by': 'agent-config' }),
      inst('inventory-db-2', 'inventory-db', 'critical', { 'registered-by': 'hand' }),
      inst('inventory-db-3', 'inventory-db', 'passing'),
    ],
    sidecars: [
      inst('inventory-db-sidecar-proxy', 'inventory-db-sidecar-proxy', 'passing'),
      inst('inventory-client-sidecar-proxy', 'inventory-client-sidecar-proxy', 'critical', {}, 'host-a'),
    ],
    intentions: [
      { source: 'inventory-client', destination: 'inventory-db', action: 'deny' },
      { source: '*', destination: 'inventory-db', action: '' },
    ],
    datacenters: ['dc1', 'dc2'],
    dc2Workshop: [
      inst('workshop-api-c1', 'workshop', 'passing', {}, 'host-c'),
      inst('workshop-api-c2', 'workshop', 'critical', {}, 'host-c'),
    ],
  };

  it('one line each, after everything else: inventory-db and who registered it, sidecars, intentions, datacenters', () => {
    const out = renderStatus({ ...base, exercises: { ok: true, value: ex } });
    expect(out.startsWith(renderStatus(base))).toBe(true);
    expect(out.slice(renderStatus(base).length).split('\n')).toEqual([
      '',
      '',
      'What the exercises added',
      '  inventory-db: inventory-db passing by agent-config, inventory-db-2 critical by hand, inventory-db-3 passing by ? (no registered-by)',
      '  Connect sidecars: inventory-db-sidecar-proxy passing, inventory-client-sidecar-proxy critical',
      '  Intentions: inventory-client -> inventory-db deny, * -> inventory-db L7',
      '  Datacenters: dc1, dc2; dc2 workshop: 2 instances, 1 passing',
    ]);
  });

  it('only what is there: a lab without the exercises prints exactly what it printed before', () => {
    const none = { inventoryDb: [], sidecars: [], intentions: [], datacenters: ['dc1'], dc2Workshop: null };
    expect(renderStatus({ ...base, exercises: { ok: true, value: none } })).toBe(renderStatus(base));
    expect(exerciseLines({ ok: true, value: { ...none, inventoryDb: ex.inventoryDb.slice(0, 1) } })).toEqual([
      '',
      'What the exercises added',
      '  inventory-db: inventory-db passing by agent-config',
    ]);
    expect(exerciseLines({ ok: true, value: { ...none, datacenters: ['dc1', 'dc2'], dc2Workshop: [] } })).toEqual([
      '',
      'What the exercises added',
      '  Datacenters: dc1, dc2; dc2 workshop: 0 instances, 0 passing',
    ]);
  });

  it('a failed read says so; a hostile name is escaped', () => {
    expect(exerciseLines({ ok: false, error: 'Consul at http://127.0.0.1:8500 (connect/intentions): HTTP 403' })).toEqual([
      '',
      'What the exercises added',
      '  unavailable: Consul at http://127.0.0.1:8500 (connect/intentions): HTTP 403',
    ]);
    const out = renderStatus({
      ...base,
      exercises: { ok: true, value: { ...ex, intentions: [{ source: 'evil\u001b[2J\nx', destination: 'inventory-db', action: 'deny' }] } },
    });
    expect(out).not.toContain('\u001b');
    expect(out.split('\n').filter((l) => l.includes('Intentions:'))).toHaveLength(1);
  });
});
