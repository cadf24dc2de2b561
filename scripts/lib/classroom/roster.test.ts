import fc from 'fast-check';
import {
  buildRoster,
  ConsulGet,
  ConsulUnreachableError,
  HttpAnswer,
  pageAvatarIds,
  readRoster,
  renderRoster,
  Roster,
  ROSTER_PATHS,
  studentServicePath,
  rosterJson,
  RosterInputs,
  RosterUnavailableError,
  StudentRow,
} from './roster';
import { terminalSafeJson } from '../term/terminalText';

const token = (name: string): object => ({ AccessorID: `acc-${name}`, Description: `lab student ${name}` });
const node = (name: string): object => ({ Node: name, Address: '192.168.1.30' });
const serf = (nodeName: string, status = 'passing'): object => ({
  Node: nodeName,
  CheckID: 'serfHealth',
  Name: 'Serf Health Status',
  Status: status,
});
/** An instance as GET /v1/health/service/<its service> lists it: a student's is its own service workshop-<name>. */
function workshop(
  name: string,
  nodeName = `student-${name}`,
  statuses: Array<[string, string]> = [
    ['serfHealth', 'passing'],
    ['service:workshop', 'passing'],
  ],
  service = `workshop-${name}`,
): object {
  return {
    Node: { Node: nodeName },
    Service: { ID: `workshop-${name}`, Service: service },
    Checks: statuses.map(([id, status]) => ({
      CheckID: id,
      Name: id === 'serfHealth' ? 'Serf Health Status' : 'workshop-api /health',
      Status: status,
    })),
  };
}
const page = (...ids: string[]): RosterInputs['page'] => ({
  ok: true,
  html: `<ul>${ids.map((id) => `<li class="tile" data-id="${id}"><img src="/avatars/${id}" alt="x"></li>`).join('')}</ul>`,
});

/** A room: alice fully in, bob's agent gone, carol only a node (no token), dave joined a moment ago. */
function room(): RosterInputs {
  return {
    tokens: [{ Description: 'Anonymous Token' }, { Description: 'Initial Management Token' }, token('alice'), token('bob'), token('dave')],
    nodes: [node('consul-server-1'), node('host-a'), node('student-alice'), node('student-bob'), node('student-carol')],
    serfChecks: [serf('consul-server-1'), serf('host-a'), serf('student-alice'), serf('student-bob', 'critical'), serf('student-carol')],
    workshop: [
      workshop('api-1', 'host-a', undefined, 'workshop'),
      workshop('alice'),
      workshop('bob', 'student-bob', [
        ['serfHealth', 'critical'],
        ['service:workshop', 'passing'],
      ]),
      workshop('carol', 'student-carol', [
        ['serfHealth', 'passing'],
        ['service:workshop', 'critical'],
      ]),
    ],
    page: page('workshop-api-1', 'workshop-alice'),
  };
}

describe('buildRoster', () => {
  it('lists token holders and student nodes, each with the four facts', () => {
    const rows = buildRoster(room());
    expect(rows.map((r) => r.name)).toEqual(['alice', 'bob', 'carol', 'dave']);
    const [alice, bob, carol, dave] = rows as [StudentRow, StudentRow, StudentRow, StudentRow];
    expect(alice).toEqual({
      name: 'alice',
      joined: { ok: true },
      agentAlive: { ok: true },
      apiPassing: { ok: true },
      onPage: { ok: true },
    });
    expect(bob.agentAlive).toEqual({ ok: false, why: 'serfHealth critical' });
    expect(bob.apiPassing).toEqual({ ok: false, why: 'agent down' });
    expect(bob.onPage).toEqual({ ok: false, why: 'not there' });
    expect(carol.joined).toEqual({ ok: false, why: 'no token' });
    expect(carol.apiPassing).toEqual({ ok: false, why: 'critical ("workshop-api /health")' });
    expect(dave.agentAlive).toEqual({ ok: false, why: 'no node' });
    expect(dave.apiPassing).toEqual({ ok: false, why: 'not registered' });
  });

  it("does not count someone else's node holding the student's service ID", () => {
    const r = room();
    r.tokens = [token('erin')];
    r.nodes = [node('student-erin'), node('student-mallory')];
    r.serfChecks = [serf('student-erin'), serf('student-mallory')];
    r.workshop = [workshop('erin', 'student-mallory')];
    r.page = page('workshop-erin');
    const erin = buildRoster(r).find((s) => s.name === 'erin')!;
    expect(erin.apiPassing).toEqual({ ok: false, why: 'only on node student-mallory' });
  });

  it('says so when a student holds two tokens, and when the page could not be read', () => {
    const r = room();
    r.tokens = [token('alice'), token('alice')];
    r.page = { ok: false, error: 'fetch failed' };
    const alice = buildRoster(r).find((s) => s.name === 'alice')!;
    expect(alice.joined).toEqual({ ok: true, why: '2 tokens' });
    expect(alice.onPage).toEqual({ ok: false, why: 'page unreadable' });
  });

  it('is an empty roster for a cluster without students, and survives answers of the wrong shape', () => {
    expect(buildRoster({ tokens: [], nodes: [node('host-a')], serfChecks: [], workshop: [], page: page() })).toEqual([]);
    expect(buildRoster({ tokens: { x: 1 }, nodes: 'nope', serfChecks: null, workshop: 42, page: page() })).toEqual([]);
    expect(
      buildRoster({
        tokens: [null, 1, { Description: 5 }, { Description: 'lab student ' }],
        nodes: [{ Node: 'student-' }],
        serfChecks: [],
        workshop: [],
        page: page(),
      }),
    ).toEqual([]);
  });
});

describe('pageAvatarIds', () => {
  it('reads the avatar links, decoding %-escapes, and does not match a prefix of a longer name', () => {
    const ids = pageAvatarIds('<img src="/avatars/workshop-alice2"><img src="/avatars/workshop-b%C3%A9"><img src="/avatars/%E0%A4%A">');
    expect(ids.has('workshop-alice')).toBe(false);
    expect(ids.has('workshop-alice2')).toBe(true);
    expect(ids.has('workshop-bé')).toBe(true);
    expect(ids.has('%E0%A4%A')).toBe(true);
  });
});

const roster = (students: StudentRow[], extra: Partial<Roster> = {}): Roster => ({
  consulUrl: 'http://127.0.0.1:8500',
  pageUrl: 'http://127.0.0.1:8080',
  students,
  ...extra,
});

describe('renderRoster', () => {
  it('prints one aligned line per student and a summary', () => {
    const out = renderRoster(roster(buildRoster(room())));
    expect(out.split('\n')).toEqual([
      '  alice  joined ✓           agent alive ✓                      API passing ✓                                    on the page ✓',
      '  bob    joined ✓           agent alive ✗ serfHealth critical  API passing ✗ agent down                         on the page ✗ not there',
      '  carol  joined ✗ no token  agent alive ✓                      API passing ✗ critical ("workshop-api /health")  on the page ✗ not there',
      '  dave   joined ✓           agent alive ✗ no node              API passing ✗ not registered                     on the page ✗ not there',
      '4 students: 3 joined, 2 agents alive, 1 API passing, 1 on the page (Consul http://127.0.0.1:8500, page http://127.0.0.1:8080).',
    ]);
  });

  it('says when nobody has joined, and when the page could not be read', () => {
    expect(renderRoster(roster([]))).toBe('No student has joined yet (Consul http://127.0.0.1:8500).');
    expect(renderRoster(roster([], { pageError: 'Nginx page: fetch failed' })).split('\n')[1]).toBe(
      'The page could not be read: Nginx page: fetch failed',
    );
  });

  it('shows a hostile name quoted and escaped, on one line, cut short', () => {
    const r = room();
    const evil = 'x\u001b[2J\u001b]0;pwned\u0007\nalice  joined ✓\u009b31m' + 'A'.repeat(5000);
    // A token Description with a space is not a student's (the enrollment rule: `lab student <no spaces>`); a node
    // name is whatever an agent said.
    r.tokens = [token(evil)];
    r.nodes = [node(`student-${evil}`)];
    const out = renderRoster(roster(buildRoster(r)));
    const lines = out.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^ {2}"x\\u001b\[2J\\u001b\]0;pwned\\u0007\\nalice {2}joined ✓\\u009b31mA+"…\(\+\d+ more\) {2}joined ✗ no token/,
    );
    expect(lines[0]!.length).toBeLessThan(400);
  });
});

// eslint-disable-next-line no-control-regex -- the properties are about control characters
const NEVER_RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/;

/** Names as Consul could hand them over: anything, with a bias for escapes and control characters. */
const anyName = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\u001b', '[', '\u009b', '\u007f', '\n', '\r', '\u0000', '\u202e', '\u200b', '"', '\\', '🔑', '\ud800'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('a', 'b', '-'),
  ),
  minLength: 1,
  maxLength: 120,
});

function inputsFor(names: string[], huge: string): RosterInputs {
  return {
    tokens: [...names.map(token), token(huge)],
    nodes: names.map((n) => node(`student-${n}`)),
    serfChecks: names.map((n) => serf(`student-${n}`, n.length % 2 ? 'passing' : `crit\u001b[0m${n}`)),
    workshop: names.map((n) =>
      workshop(n, `student-${n}`, [
        ['serfHealth', 'passing'],
        [`c-${n}`, n],
      ]),
    ),
    page: page(...names.map((n) => `workshop-${encodeURIComponent(n.replace(/[\ud800-\udfff]/g, ''))}`)),
  };
}

describe('roster properties (names and states are untrusted)', () => {
  it('every student is exactly one line, nothing unsafe is printed raw, and lines stay short', () => {
    fc.assert(
      fc.property(fc.uniqueArray(anyName, { maxLength: 8 }), fc.integer({ min: 0, max: 200_000 }), (names, hugeLen) => {
        const huge = 'h\u001b'.repeat(hugeLen) || 'h';
        const rows = buildRoster(inputsFor(names, huge));
        const out = renderRoster(roster(rows));
        const lines = out.split('\n');
        expect(lines).toHaveLength(rows.length + 1);
        expect(out).not.toMatch(NEVER_RAW);
        for (const l of lines) expect(l.length).toBeLessThan(2000);
      }),
    );
  });

  it('the JSON form is one line, parses back to the same names, and prints nothing unsafe raw', () => {
    fc.assert(
      fc.property(fc.uniqueArray(anyName, { maxLength: 8 }), (names) => {
        const rows = buildRoster(inputsFor(names, 'h'));
        const out = terminalSafeJson(rosterJson(roster(rows)));
        expect(out).not.toMatch(NEVER_RAW);
        expect(out).not.toContain('\n');
        const parsed = JSON.parse(out) as { students: Array<{ name: string }> };
        const want = JSON.parse(JSON.stringify([...names, 'h'].filter((n) => n.length > 0))) as string[];
        expect(parsed.students.map((s) => s.name).sort()).toEqual([...new Set(want)].sort());
      }),
    );
  });

  it('a student is on the page exactly when the page links /avatars/workshop-<name>', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { minLength: 1, maxLength: 10 }),
        fc.func(fc.boolean()),
        (names, shown) => {
          const onPage = names.filter((n) => shown(n));
          const r: RosterInputs = {
            tokens: names.map(token),
            nodes: [],
            serfChecks: [],
            workshop: [],
            page: page(...onPage.map((n) => `workshop-${n}`)),
          };
          for (const row of buildRoster(r)) expect(row.onPage.ok).toBe(onPage.includes(row.name));
        },
      ),
    );
  });
});

describe('readRoster', () => {
  const URL = 'http://127.0.0.1:8500';
  const json = (v: unknown): HttpAnswer => ({ status: 200, body: JSON.stringify(v) });
  function fakeConsul(answers: Partial<Record<keyof typeof ROSTER_PATHS | 'workshop', HttpAnswer>>): { get: ConsulGet; asked: string[] } {
    const asked: string[] = [];
    const r = room();
    const all: Record<keyof typeof ROSTER_PATHS, HttpAnswer> = {
      tokens: json(r.tokens),
      nodes: json(r.nodes),
      serfChecks: json(r.serfChecks),
      ...answers,
    };
    const byPath = new Map<string, HttpAnswer>(Object.entries(ROSTER_PATHS).map(([k, p]) => [p, all[k as keyof typeof ROSTER_PATHS]]));
    // Each student's own service: the room's instances of that service name, or `answers.workshop` for every one.
    for (const name of ['alice', 'bob', 'carol', 'dave']) {
      const service = `workshop-${name}`;
      const entries = (r.workshop as Array<{ Service: { Service: string } }>).filter((e) => e.Service.Service === service);
      byPath.set(studentServicePath(name), answers.workshop ?? json(entries));
    }
    return {
      asked,
      get: (path) => {
        asked.push(path);
        const a = byPath.get(path);
        return a ? Promise.resolve(a) : Promise.reject(new Error(`unexpected ${path}`));
      },
    };
  }
  const html = (): Promise<string> => Promise.resolve((page('workshop-alice') as { html: string }).html);

  it('builds the roster from the four answers and the page', async () => {
    const c = fakeConsul({});
    const r = await readRoster(URL, 'http://127.0.0.1:8080', c.get, html);
    expect(r.students.map((s) => [s.name, s.onPage.ok])).toEqual([
      ['alice', true],
      ['bob', false],
      ['carol', false],
      ['dave', false],
    ]);
    expect(r.pageError).toBeUndefined();
    expect(c.asked[0]).toBe('/v1/acl/tokens');
    expect(c.asked).toContain('/v1/health/state/any?filter=CheckID%20%3D%3D%20%22serfHealth%22');
    // API passing: each student's own service workshop-<name>, on its own node.
    expect(c.asked).toEqual(expect.arrayContaining(['/v1/health/service/workshop-alice', '/v1/health/service/workshop-dave']));
    expect(r.students.map((s) => [s.name, s.apiPassing])).toEqual([
      ['alice', { ok: true }],
      ['bob', { ok: false, why: 'agent down' }],
      ['carol', { ok: false, why: 'critical ("workshop-api /health")' }],
      ['dave', { ok: false, why: 'not registered' }],
    ]);
  });

  it('only names a student can have are looked up (a node name from the catalog is data, never a path)', async () => {
    const c = fakeConsul({ nodes: json([{ Node: 'student-x/../../v1/kv/secret' }, { Node: 'student-alice' }]) });
    const r = await readRoster(URL, 'p', c.get, html);
    expect(c.asked.filter((p) => p.startsWith('/v1/health/service/')).sort()).toEqual(
      ['alice', 'bob', 'dave'].map((n) => `/v1/health/service/workshop-${n}`),
    );
    expect(r.students.find((s) => s.name === 'x/../../v1/kv/secret')?.apiPassing).toEqual({ ok: false, why: 'not registered' });
  });

  it('a page that cannot be read is part of the report, not an error', async () => {
    const r = await readRoster(URL, 'http://127.0.0.1:8080', fakeConsul({}).get, () =>
      Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:8080')),
    );
    expect(r.pageError).toBe('connect ECONNREFUSED 127.0.0.1:8080');
    expect(r.students.every((s) => s.onPage.why === 'page unreadable')).toBe(true);
  });

  it('Consul not answering: one line, ConsulUnreachableError', async () => {
    const get: ConsulGet = () => Promise.reject(new Error('fetch failed\n  at stack'));
    const err = await readRoster(URL, 'p', get, html).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsulUnreachableError);
    expect((err as Error).message).toBe(
      'Consul at http://127.0.0.1:8500 is not reachable (fetch failed): is the lab up? (npm run lab:status)',
    );
  });

  it.each([401, 403, 500])(
    'ACLs disabled (%i "ACL support disabled"): says the lab is not in classroom mode, asks nothing else',
    async (status) => {
      const c = fakeConsul({ tokens: { status, body: 'ACL support disabled' } });
      const err = await readRoster(URL, 'p', c.get, html).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RosterUnavailableError);
      expect((err as Error).message).toMatch(/is not in classroom mode .*npm run lab:up -- --classroom$/);
      expect(c.asked).toEqual(['/v1/acl/tokens']);
    },
  );

  it('a token Consul refuses: says which token lab:roster needs', async () => {
    const err = await readRoster(URL, 'p', fakeConsul({ tokens: { status: 403, body: 'ACL not found' } }).get, html).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/refused to list the ACL tokens \(403 "ACL not found"\): lab:roster needs the management token/);
  });

  it('an odd answer elsewhere is one line, with the body quoted', async () => {
    const err = await readRoster(
      URL,
      'p',
      fakeConsul({ nodes: { status: 500, body: 'rpc error\u001b[2J: No cluster leader\nmore' } }).get,
      html,
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      'Consul at http://127.0.0.1:8500 answered 500 to /v1/catalog/nodes: "rpc error\\u001b[2J: No cluster leader"',
    );
    const notJson = await readRoster(URL, 'p', fakeConsul({ workshop: { status: 200, body: '<html>' } }).get, html).catch(
      (e: unknown) => e,
    );
    expect((notJson as Error).message).toMatch(
      /answered \/v1\/health\/service\/workshop-[a-z]+ with something that is not JSON: "<html>"$/,
    );
  });
});
