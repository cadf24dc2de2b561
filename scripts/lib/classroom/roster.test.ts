import fc from 'fast-check';
import { ConsulError } from '../../../services/shared/consul/errors';
import {
  buildFlags,
  buildRoster,
  ConsulGet,
  flagLine,
  formatRemaining,
  HttpAnswer,
  keyringState,
  memberFlags,
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
import { terminalSafeJson } from '../../../services/shared/terminalText';

/** The roster's clock: every token below expires relative to it. */
const NOW = Date.parse('2026-03-02T09:00:00Z');
const HOUR = 3_600_000;

/** A student's token as GET /v1/acl/tokens?authmethod=lab-students lists it (made by POST /v1/acl/login). */
const token = (name: string, expiresInMs = 11 * HOUR + 20 * 60_000): object => ({
  AccessorID: `acc-${name}`,
  SecretID: 'never-shown',
  Description: `token created via login: {"student":${JSON.stringify(name)}}`,
  NodeIdentities: [{ NodeName: `student-${name}`, Datacenter: 'dc1' }],
  Local: true,
  AuthMethod: 'lab-students',
  ExpirationTime: new Date(NOW + expiresInMs).toISOString(),
});
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

/** A member as GET /v1/agent/members lists it. */
const member = (name: string, addr = '192.168.1.30', role = 'node', status = 1): object => ({
  Name: name,
  Addr: addr,
  Port: 8301,
  Tags: { role, dc: 'dc1' },
  Status: status,
});
const GOSSIP_KEY = Buffer.alloc(32, 3).toString('base64');
const keyring = (keys: string[], primary = keys[0]!): object[] => [
  { WAN: true, Datacenter: 'dc1', Keys: { [GOSSIP_KEY]: 3 }, PrimaryKeys: { [GOSSIP_KEY]: 3 }, NumNodes: 3 },
  {
    WAN: false,
    Datacenter: 'dc1',
    Segment: '',
    Keys: Object.fromEntries(keys.map((k) => [k, 8])),
    PrimaryKeys: { [primary]: 8 },
    NumNodes: 8,
  },
];

/** A room: alice fully in, bob's agent gone, carol only a node (no token), dave joined a moment ago. */
function room(): RosterInputs {
  return {
    // Tokens of other auth methods or none (the lab's own, one made by hand) are nobody's: the list is filtered by
    // Consul, and studentOfToken checks again.
    tokens: [{ Description: 'lab student mallory' }, { ...token('eve'), AuthMethod: 'other' }, token('alice'), token('bob'), token('dave')],
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
    members: [
      member('consul-server-1', '192.168.1.20', 'consul'),
      member('host-a', '192.168.1.20'),
      member('student-alice', '192.168.1.31'),
      member('student-bob', '192.168.1.32', 'node', 4),
    ],
    keyring: { ok: true, value: keyring([GOSSIP_KEY]) },
    classGossipKey: GOSSIP_KEY,
    now: NOW,
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
      expires: { at: '2026-03-02T20:20:00.000Z', inSeconds: 11 * 3600 + 20 * 60 },
    });
    expect(bob.agentAlive).toEqual({ ok: false, why: 'serfHealth critical' });
    expect(bob.apiPassing).toEqual({ ok: false, why: 'agent down' });
    expect(bob.onPage).toEqual({ ok: false, why: 'not there' });
    expect(carol.joined).toEqual({ ok: false, why: 'no token' });
    expect(carol.expires).toBeUndefined();
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

  it('says so when a student holds two tokens (expiring with the later one), and when the page could not be read', () => {
    const r = room();
    r.tokens = [token('alice', HOUR), token('alice', 2 * HOUR)];
    r.page = { ok: false, error: 'fetch failed' };
    const alice = buildRoster(r).find((s) => s.name === 'alice')!;
    expect(alice.joined).toEqual({ ok: true, why: '2 tokens' });
    expect(alice.expires).toEqual({ at: '2026-03-02T11:00:00.000Z', inSeconds: 7200 });
    expect(alice.onPage).toEqual({ ok: false, why: 'page unreadable' });
  });

  it('an expired token is no token: not joined, "token expired", no expiry shown', () => {
    const r = room();
    r.tokens = [token('alice', -1000), token('bob', -HOUR), token('bob', 5 * 60_000)];
    const rows = buildRoster(r);
    expect(rows.find((s) => s.name === 'alice')).toMatchObject({ joined: { ok: false, why: 'token expired' } });
    expect(rows.find((s) => s.name === 'alice')!.expires).toBeUndefined();
    expect(rows.find((s) => s.name === 'bob')).toMatchObject({ joined: { ok: true }, expires: { inSeconds: 300 } });
  });

  it('is an empty roster for a cluster without students, and survives answers of the wrong shape', () => {
    expect(buildRoster({ tokens: [], nodes: [node('host-a')], serfChecks: [], workshop: [], page: page() })).toEqual([]);
    expect(buildRoster({ tokens: { x: 1 }, nodes: 'nope', serfChecks: null, workshop: 42, page: page() })).toEqual([]);
    expect(
      buildRoster({
        tokens: [null, 1, { Description: 5 }, { AuthMethod: 'lab-students', NodeIdentities: [{ NodeName: 'student-' }] }],
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
  flags: [],
  ...extra,
});

/** The roster of `inputs` as readRoster makes it. */
const rosterOf = (inputs: RosterInputs): Roster => {
  const { flags, keyring } = buildFlags(inputs);
  return roster(buildRoster(inputs), { flags, ...(keyring ? { keyring } : {}) });
};

describe('renderRoster', () => {
  it('prints one aligned line per student and a summary', () => {
    const r = room();
    r.tokens = [token('alice'), token('bob', 45 * 60_000), token('dave', 20_000)];
    const out = renderRoster(rosterOf(r));
    expect(out.split('\n')).toEqual([
      '  alice  joined ✓           agent alive ✓                      API passing ✓                                    on the page ✓            expires in 11 h 20 min',
      '  bob    joined ✓           agent alive ✗ serfHealth critical  API passing ✗ agent down                         on the page ✗ not there  expires in 45 min',
      '  carol  joined ✗ no token  agent alive ✓                      API passing ✗ critical ("workshop-api /health")  on the page ✗ not there',
      '  dave   joined ✓           agent alive ✗ no node              API passing ✗ not registered                     on the page ✗ not there  expires in <1 min',
      '4 students: 3 joined, 2 agents alive, 1 API passing, 1 on the page (Consul http://127.0.0.1:8500, page http://127.0.0.1:8080).',
    ]);
  });

  it('after the summary, one ⚠ line per member without a token of its own, per unexpected server, for a changed keyring', () => {
    const r = room();
    r.members = [
      ...(r.members as object[]),
      member('student-carol', '192.168.1.33'), // a node, no token: joined with the gossip key alone
      member('laptop-7', '192.168.1.77', 'consul'),
      member('student-gone', '192.168.1.34', 'node', 3), // left: out of the pool, not flagged
    ];
    r.keyring = { ok: true, value: keyring([GOSSIP_KEY, Buffer.alloc(32, 9).toString('base64')]) };
    const lines = renderRoster(rosterOf(r)).split('\n');
    expect(lines.slice(5)).toEqual([
      '⚠ member "student-carol" (192.168.1.33) has no token of its own: it joined with the gossip key alone',
      '⚠ member "laptop-7" (192.168.1.77) has no token of its own: it joined with the gossip key alone',
      '⚠ member "laptop-7" (192.168.1.77) claims to be a SERVER: the lab\'s are consul-server-1..3; without a server certificate of the classroom CA it gets no raft data, but someone with the gossip key tried: a new class (lab:up --classroom) changes the key',
      '⚠ the gossip keyring was changed by a member (2 keys installed): Consul CE lets any member with the key do that; start a new class (lab:up --classroom) to rotate',
    ]);
    expect(lines.join('\n')).not.toContain(GOSSIP_KEY);
  });

  it('says when nobody has joined, and when the page could not be read', () => {
    expect(renderRoster(roster([]))).toBe('No student has joined yet (Consul http://127.0.0.1:8500).');
    expect(renderRoster(roster([], { pageError: 'Nginx page: fetch failed' })).split('\n')[1]).toBe(
      'The page could not be read: Nginx page: fetch failed',
    );
    expect(renderRoster(roster([], { keyring: { ok: false, error: '403 "Permission denied"' } })).split('\n')[1]).toBe(
      'The gossip keyring could not be read: 403 "Permission denied"',
    );
  });

  it('shows a hostile name quoted and escaped, on one line, cut short', () => {
    const r = room();
    const evil = 'x\u001b[2J\u001b]0;pwned\u0007\nalice  joined ✓\u009b31m' + 'A'.repeat(5000);
    // A token's node identity and a node or member name are whatever was asked for at login or by an agent.
    r.tokens = [token(evil)];
    r.nodes = [node(`student-${evil}`)];
    r.members = [member(`mallory\u001b[2J\n⚠ member "x"`, '10.0.0.1\u202e', 'consul')];
    const out = renderRoster(rosterOf(r));
    const lines = out.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^ {2}"x\\u001b\[2J\\u001b\]0;pwned\\u0007\\nalice {2}joined ✓\\u009b31mA+"…\(\+\d+ more\) {2}joined ✓ {2}agent alive ✗ no serfHealth/,
    );
    expect(lines[0]!.length).toBeLessThan(400);
    expect(lines[2]).toBe(
      '⚠ member "mallory\\u001b[2J\\n⚠ member \\"x\\"" ("10.0.0.1\\u202e") has no token of its own: it joined with the gossip key alone',
    );
  });
});

describe('the flags', () => {
  it("the lab's own nodes and students with a live token of their own are not flagged; anyone else is", () => {
    const tokens = [token('alice'), token('bob', -1), token('Carol')];
    const flags = memberFlags(
      [
        ...['consul-server-1', 'consul-server-2', 'consul-server-3', 'host-a', 'host-b', 'student-alice'].map((n) => member(n)),
        member('student-bob'), // its only token expired
        member('student-carol'), // the token is Carol's (node names are compared as they are)
        member('student-'),
        member('host-c', '192.168.1.40', 'node', 4), // failed, may come back: still flagged
        { Name: 5, Tags: null }, // junk: flagged under an empty name rather than dropped
      ],
      tokens,
      NOW,
    );
    expect(flags.map((f) => [f.kind, 'member' in f ? f.member : '', 'status' in f ? f.status : ''])).toEqual([
      ['no-token', 'student-bob', 'alive'],
      ['no-token', 'student-carol', 'alive'],
      ['no-token', 'student-', 'alive'],
      ['no-token', 'host-c', 'failed'],
      ['no-token', '', 'none'],
    ]);
  });

  it('a server other than consul-server-1..3 is flagged, even a student with a token', () => {
    const flags = memberFlags([member('consul-server-2', 'a', 'consul'), member('student-alice', 'b', 'consul')], [token('alice')], NOW);
    expect(flags).toEqual([{ kind: 'server', member: 'student-alice', address: 'b', status: 'alive' }]);
    expect(flagLine(flags[0]!)).toMatch(/^⚠ member "student-alice" \(b\) claims to be a SERVER: /);
  });

  it("the keyring: one key, the class's, is fine; a second key or another primary is a flag; the keys are never in it", () => {
    const other = Buffer.alloc(32, 9).toString('base64');
    expect(keyringState(keyring([GOSSIP_KEY]), GOSSIP_KEY)).toEqual({ keys: 1, primaryIsClassKey: true });
    expect(keyringState(keyring([GOSSIP_KEY, other]), GOSSIP_KEY)).toEqual({ keys: 2, primaryIsClassKey: true });
    expect(keyringState(keyring([other]), GOSSIP_KEY)).toEqual({ keys: 1, primaryIsClassKey: false });
    expect(keyringState(keyring([other]), undefined)).toEqual({ keys: 1, primaryIsClassKey: null });
    expect(keyringState('junk', GOSSIP_KEY)).toEqual({ keys: 0, primaryIsClassKey: false });

    const base = room();
    expect(buildFlags(base)).toEqual({ flags: [], keyring: { ok: true, keys: 1, primaryIsClassKey: true } });
    const switched = buildFlags({ ...base, keyring: { ok: true, value: keyring([GOSSIP_KEY, other], other) } });
    expect(switched.flags).toEqual([{ kind: 'keyring', keys: 2, primaryIsClassKey: false }]);
    const line = flagLine(switched.flags[0]!);
    expect(line).toBe(
      "⚠ the gossip keyring was changed by a member (2 keys installed, the primary is not the class's): Consul CE lets any member with the key do that; start a new class (lab:up --classroom) to rotate",
    );
    for (const text of [line, terminalSafeJson(rosterJson(roster([], switched)))]) {
      expect(text).not.toContain(GOSSIP_KEY);
      expect(text).not.toContain(other);
    }
    expect(buildFlags({ ...base, keyring: { ok: false, error: '403' } })).toEqual({ flags: [], keyring: { ok: false, error: '403' } });
    expect(buildFlags({ ...base, members: undefined, keyring: undefined })).toEqual({ flags: [] });
  });
});

describe('formatRemaining', () => {
  it.each([
    [11 * HOUR + 20 * 60_000 + 59_000, '11 h 20 min'],
    [12 * HOUR, '12 h'],
    [59 * 60_000, '59 min'],
    [59_999, '<1 min'],
    [-5, '<1 min'],
  ])('%i ms: %s', (ms, text) => expect(formatRemaining(ms)).toBe(text));
});

// eslint-disable-next-line no-control-regex -- the properties are about control characters
const NEVER_RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Names as Consul could hand them over: any unicode, with a bias for escapes and control characters. */
const anyName = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\u001b', '\u001b[2J', '[', '\u009b', '\u007f', '\n', '\r', '\u0000', '\u202e', '\u200b', '"', '\\', '🔑', '\ud800'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('a', 'b', '-'),
  ),
  minLength: 1,
  maxLength: 120,
});

/** A room where every string Consul hands over is `names`' (tokens, nodes, checks, members, the keyring's error). */
function inputsFor(names: string[], huge: string, keyringError?: string): RosterInputs {
  return {
    tokens: [...names.map((n) => ({ ...(token(n) as Record<string, unknown>), Description: n })), token(huge)],
    nodes: names.map((n) => node(`student-${n}`)),
    serfChecks: names.map((n) => serf(`student-${n}`, n.length % 2 ? 'passing' : `crit\u001b[0m${n}`)),
    workshop: names.map((n) =>
      workshop(n, `student-${n}`, [
        ['serfHealth', 'passing'],
        [`c-${n}`, n],
      ]),
    ),
    page: page(...names.map((n) => `workshop-${encodeURIComponent(n.replace(/[\ud800-\udfff]/g, ''))}`)),
    // Every name twice as a member: as itself (no token: flagged) and claiming to be a server; addresses too.
    members: names.flatMap((n, i) => [member(n, n, i % 2 ? 'consul' : 'node'), member(`student-${n}`, `${n}:8301`, 'consul')]),
    keyring: keyringError === undefined ? { ok: true, value: keyring(names) } : { ok: false, error: keyringError },
    classGossipKey: GOSSIP_KEY,
    now: NOW,
  };
}

describe('roster properties (names and states are untrusted)', () => {
  it('every student and every flag is exactly one line, nothing unsafe is printed raw, and lines stay short', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(anyName, { maxLength: 8 }),
        fc.integer({ min: 0, max: 200_000 }),
        fc.option(anyName),
        (names, hugeLen, keyringError) => {
          const huge = 'h\u001b'.repeat(hugeLen) || 'h';
          const r = rosterOf(inputsFor(names, huge, keyringError ?? undefined));
          const out = renderRoster(r);
          const lines = out.split('\n');
          expect(lines).toHaveLength(r.students.length + 1 + r.flags.length + (r.keyring && !r.keyring.ok ? 1 : 0));
          // An error from Consul, or an answer without keys (no names here), is the one "could not be read" line.
          expect(r.keyring?.ok).toBe(keyringError === null && names.length > 0);
          expect(out).not.toMatch(NEVER_RAW);
          expect(out).not.toMatch(LONE_SURROGATE);
          for (const l of lines) expect(l.length).toBeLessThan(2000);
        },
      ),
    );
  }, 30_000); // names up to 400 kB long: quick alone, not on a loaded machine

  it('the JSON form is one line, parses back to the same names, and prints nothing unsafe raw', () => {
    fc.assert(
      fc.property(fc.uniqueArray(anyName, { maxLength: 8 }), fc.option(anyName), (names, keyringError) => {
        const out = terminalSafeJson(rosterJson(rosterOf(inputsFor(names, 'h', keyringError ?? undefined))));
        expect(out).not.toMatch(NEVER_RAW);
        expect(out).not.toMatch(LONE_SURROGATE);
        expect(out).not.toContain('never-shown'); // a token's SecretID
        const parsed = JSON.parse(out) as { students: Array<{ name: string }>; flags: Array<{ member?: string }> };
        const want = JSON.parse(JSON.stringify([...names, 'h'].filter((n) => n.length > 0))) as string[];
        expect(parsed.students.map((s) => s.name).sort()).toEqual([...new Set(want)].sort());
        const members = JSON.parse(JSON.stringify(names.flatMap((n) => [n, `student-${n}`]))) as string[];
        expect(new Set(parsed.flags.flatMap((f) => (f.member === undefined ? [] : [f.member])))).toEqual(new Set(members));
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
      members: json(r.members),
      keyring: json((r.keyring as { value: unknown }).value),
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

  it("builds the roster from Consul's answers and the page", async () => {
    const c = fakeConsul({});
    const r = await readRoster(URL, 'http://127.0.0.1:8080', c.get, html, { classGossipKey: GOSSIP_KEY, now: () => NOW });
    expect(r.students.map((s) => [s.name, s.onPage.ok])).toEqual([
      ['alice', true],
      ['bob', false],
      ['carol', false],
      ['dave', false],
    ]);
    expect(r.pageError).toBeUndefined();
    expect(c.asked[0]).toBe('/v1/acl/tokens?authmethod=lab-students');
    expect(c.asked).toEqual(expect.arrayContaining(['/v1/agent/members', '/v1/operator/keyring']));
    expect(r.flags).toEqual([]);
    expect(r.keyring).toEqual({ ok: true, keys: 1, primaryIsClassKey: true });
    expect(r.students[0]!.expires).toEqual({ at: '2026-03-02T20:20:00.000Z', inSeconds: 40800 });
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

  it('members without a token of their own and a changed keyring are flags; a keyring Consul refuses is one line', async () => {
    const other = Buffer.alloc(32, 9).toString('base64');
    const c = fakeConsul({
      members: json([member('host-a'), member('student-alice'), member('rogue', '192.168.1.66', 'consul')]),
      keyring: json(keyring([other])),
    });
    const r = await readRoster(URL, 'p', c.get, html, { classGossipKey: GOSSIP_KEY, now: () => NOW });
    expect(r.flags).toEqual([
      { kind: 'no-token', member: 'rogue', address: '192.168.1.66', status: 'alive' },
      { kind: 'server', member: 'rogue', address: '192.168.1.66', status: 'alive' },
      { kind: 'keyring', keys: 1, primaryIsClassKey: false },
    ]);
    const refused = await readRoster(
      URL,
      'p',
      fakeConsul({ keyring: { status: 403, body: 'Permission denied: token lacks keyring:read' } }).get,
      html,
    );
    expect(refused.keyring).toEqual({ ok: false, error: '403 "Permission denied: token lacks keyring:read"' });
    expect(renderRoster(refused)).toContain('\nThe gossip keyring could not be read: 403 "Permission denied: token lacks keyring:read"');
    const plain = await readRoster(
      URL,
      'p',
      fakeConsul({
        keyring: { status: 500, body: '2 errors occurred:\n\t* WAN error\n\t* exp2: Keyring is empty (encryption not enabled)\n' },
      }).get,
      html,
    );
    expect(plain.keyring).toEqual({ ok: false, error: 'gossip encryption is off (Consul: "Keyring is empty")' });
  });

  it('a keyring query a member does not answer (a rogue server: Consul waits, then 500s) is a line, and the flags still show who', async () => {
    const rogue = [member('host-a'), member('evil', '192.168.1.66', 'consul')];
    // Seen in a simulated room with a rogue server: 11 s, then this answer.
    const partial = await readRoster(
      URL,
      'p',
      fakeConsul({
        members: json(rogue),
        keyring: {
          status: 500,
          body: '2 errors occurred:\n\t* WAN error: 3/5 nodes reported success\n\t* dc1 (LAN) error: 6/7 nodes reported success\n',
        },
      }).get,
      html,
      { classGossipKey: GOSSIP_KEY, now: () => NOW },
    );
    expect(partial.keyring).toEqual({
      ok: false,
      error: 'only 6 of 7 members answered the keyring query (a member that is no real agent? see the flags)',
    });
    expect(partial.flags.map((f) => f.kind)).toEqual(['no-token', 'server']);
    // The roster's own timeout runs out first: the rest of the roster is still there.
    const c = fakeConsul({ members: json(rogue) });
    const get: ConsulGet = (path) =>
      path === ROSTER_PATHS.keyring
        ? Promise.reject(Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }))
        : c.get(path);
    const slow = await readRoster(URL, 'p', get, html, { classGossipKey: GOSSIP_KEY, now: () => NOW });
    expect(slow.students.map((st) => st.name)).toContain('alice');
    expect(slow.keyring).toEqual({
      ok: false,
      error:
        'no answer (The operation was aborted due to timeout): a member of the gossip pool does not answer the keyring query (a member that is no real agent? see the flags)',
    });
    expect(renderRoster(slow)).toMatch(/\nThe gossip keyring could not be read: no answer/);
  });

  it('a page that cannot be read is part of the report, not an error', async () => {
    const r = await readRoster(URL, 'http://127.0.0.1:8080', fakeConsul({}).get, () =>
      Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:8080')),
    );
    expect(r.pageError).toBe('connect ECONNREFUSED 127.0.0.1:8080');
    expect(r.students.every((s) => s.onPage.why === 'page unreadable')).toBe(true);
  });

  it('Consul not answering: one line, ConsulError', async () => {
    const get: ConsulGet = () => Promise.reject(new Error('fetch failed\n  at stack'));
    const err = await readRoster(URL, 'p', get, html).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsulError);
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
      expect(c.asked).toEqual([ROSTER_PATHS.tokens]);
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
