import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../shared/logger';
import { codeMatches, createEnrollmentApp, SHARED_ADDRESS_WARNING, takenMessage, type EnrollmentConfig } from './app';
import { codeThrottle, type CodeThrottle } from './codeThrottle';
import type { StudentRegistry } from './consulAcl';
import { STUDENT_BINDING_RULES, studentServiceName } from './names';

const CODE = 'kite-maple-river-27419';
const GOSSIP = 'k'.repeat(43) + '=';
const JOIN = JSON.stringify({ version: 2, datacenter: 'dc1', joinCode: CODE, gossipKey: GOSSIP });
const EXPIRES = '2030-01-01T12:00:00Z';

/** An in-memory Consul: login tokens by secret (with the JWT each came from), plus nodes that may already exist. */
function fakeRegistry() {
  const tokens = new Map<string, { accessorId: string; student: string }>();
  const nodes = new Set<string>();
  const jwts: string[] = [];
  let n = 0;
  const registry: StudentRegistry = {
    async takenBy(name) {
      if ([...tokens.values()].some((t) => t.student === name)) return 'token';
      return nodes.has(`student-${name}`) ? 'node' : undefined;
    },
    async login(name) {
      jwts.push(`eyJhbGciOiJFUzI1NiJ9.fake-${name}.sig`);
      // A slow Consul, so concurrent requests overlap.
      await new Promise((r) => setTimeout(r, 20));
      n++;
      const t = { accessorId: `acc-${n}`, secretId: `secret-${n}-xxxxxxxx`, expirationTime: EXPIRES };
      tokens.set(t.secretId, { accessorId: t.accessorId, student: name });
      return t;
    },
    async tokenSelf(secret) {
      return tokens.get(secret);
    },
    async logout(secret) {
      tokens.delete(secret);
    },
  };
  return { registry, tokens, nodes, jwts };
}

/** A fake clock for the throttle: its delays pass only when the test says so. */
function fakeClock() {
  let t = 1_000_000;
  let timers: Array<{ at: number; fn: () => void }> = [];
  return {
    now: () => t,
    setTimer: (fn: () => void, ms: number) => void timers.push({ at: t + ms, fn }),
    advance(ms: number) {
      t += ms;
      const due = timers.filter((x) => x.at <= t);
      timers = timers.filter((x) => x.at > t);
      for (const d of due) d.fn();
    },
  };
}

/** A throttle that counts the checks it was asked for, so a test knows a request has arrived and waits. */
function countingThrottle(inner: CodeThrottle): CodeThrottle & { arrivals: number } {
  const c = {
    arrivals: 0,
    check(address: string, isRight: () => boolean) {
      c.arrivals++;
      return inner.check(address, isRight);
    },
    get size() {
      return inner.size;
    },
  };
  return c;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('enrollment app', () => {
  let server: http.Server;
  let base: string;
  let fake: ReturnType<typeof fakeRegistry>;
  let clock: ReturnType<typeof fakeClock>;
  let throttle: ReturnType<typeof countingThrottle>;
  const lines: string[] = [];

  const start = async (cfg: Partial<EnrollmentConfig> = {}): Promise<void> => {
    const log = createLogger({ name: 'enrollment', write: (l) => lines.push(l) });
    server = http.createServer(
      createEnrollmentApp({ joinInfoJson: JOIN, joinCode: CODE, datacenter: 'dc1', throttle, ...cfg }, fake.registry, log),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeEach(async () => {
    fake = fakeRegistry();
    clock = fakeClock();
    throttle = countingThrottle(codeThrottle({ now: clock.now, setTimer: clock.setTimer, maxBacklogMs: 5000 }));
    lines.length = 0;
    await start();
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    // Whatever a test did: no log line carries the code, the gossip key, a student's token or a JWT.
    const log = lines.join('\n');
    for (const secret of [CODE, GOSSIP, 'secret-', ...fake.jwts]) expect(log).not.toContain(secret);
  });

  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const enroll = (body: unknown): Promise<Response> => post('/v1/students', body);
  const joinInfo = (code: unknown): Promise<Response> => post('/v1/join-info', { code });

  it('/health answers without a code and logs nothing', async () => {
    const r = await fetch(`${base}/health`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ok' });
    expect(lines).toEqual([]);
  });

  it('POST /v1/join-info: the JoinInfo as is for the right code, 403 for a wrong one, 400 without a code', async () => {
    const ok = await joinInfo(CODE);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^application\/json/);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(await ok.text()).toBe(JOIN);
    const wrong = await joinInfo(`${CODE}x`);
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual({ error: 'wrong join code' });
    for (const body of [{}, { code: [CODE] }, { code: 7 }]) {
      const r = await post('/v1/join-info', body);
      expect(r.status).toBe(400);
      expect(await r.json()).toEqual({ error: expect.stringContaining('{"code": "..."}') });
    }
    // Not JSON (no content type): no code either.
    expect((await fetch(`${base}/v1/join-info`, { method: 'POST', body: `code=${CODE}` })).status).toBe(400);
  });

  it('GET /v1/join-info (the code in a URL) is gone: 405 with one line, the code not even looked at', async () => {
    const r = await fetch(`${base}/v1/join-info?code=${CODE}`);
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
    expect(await r.json()).toEqual({ error: 'use POST /v1/join-info with the code in the body' });
    expect(throttle.arrivals).toBe(0);
  });

  it('POST /v1/students: 201 with the token and its expiry, then 409 for the same name in any case', async () => {
    const first = await enroll({ code: CODE, name: 'alice' });
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({
      name: 'alice',
      nodeName: 'student-alice',
      serviceId: 'workshop-alice',
      serviceName: 'workshop-alice',
      token: 'secret-1-xxxxxxxx',
      accessorId: 'acc-1',
      expirationTime: EXPIRES,
    });
    for (const name of ['alice', 'Alice']) {
      const again = await enroll({ code: CODE, name });
      expect(again.status).toBe(409);
      expect(await again.json()).toEqual({ error: takenMessage('alice') });
    }
    expect(lines.join('\n')).toContain('student enrolled');
  });

  it('a name in capitals is enrolled in lower case (Consul identities are lower case)', async () => {
    const r = await enroll({ code: CODE, name: 'Bob-Smith' });
    expect(r.status).toBe(201);
    expect(await r.json()).toMatchObject({ name: 'bob-smith', nodeName: 'student-bob-smith', serviceName: 'workshop-bob-smith' });
  });

  it('two machines racing for one name: one 201, one 409', async () => {
    const [a, b] = await Promise.all([enroll({ code: CODE, name: 'bob' }), enroll({ code: CODE, name: 'BOB' })]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect(fake.tokens.size).toBe(1);
  });

  it('a node already in the catalog takes the name', async () => {
    fake.nodes.add('student-carol');
    expect((await enroll({ code: CODE, name: 'carol' })).status).toBe(409);
  });

  it('400 for a bad name or no code, 403 for a wrong code, 400/413 for bad bodies', async () => {
    expect((await enroll({ code: CODE, name: '-bad' })).status).toBe(400);
    // Consul's service identity for workshop-x also writes workshop-x-sidecar-proxy: that name would be x's to take.
    const sidecar = await enroll({ code: CODE, name: 'x-Sidecar-Proxy' });
    expect(sidecar.status).toBe(400);
    expect(await sidecar.json()).toEqual({ error: expect.stringContaining('-sidecar-proxy') });
    expect((await enroll({ code: CODE })).status).toBe(400);
    expect((await enroll({ name: 'alice' })).status).toBe(400);
    expect((await enroll({ code: 'wrong', name: 'alice' })).status).toBe(403);
    const notJson = await fetch(`${base}/v1/students`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: 'request body must be JSON' });
    const big = await enroll({ code: CODE, name: 'alice', pad: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
    expect(fake.tokens.size).toBe(0);
  });

  it("DELETE frees the name with the student's own token only (a logout)", async () => {
    const alice = (await (await enroll({ code: CODE, name: 'alice' })).json()) as { token: string };
    const bob = (await (await enroll({ code: CODE, name: 'bob' })).json()) as { token: string };
    const del = (name: string, token?: string): Promise<Response> =>
      fetch(`${base}/v1/students/${name}`, { method: 'DELETE', headers: token ? { 'X-Consul-Token': token } : {} });
    expect((await del('alice')).status).toBe(403);
    expect((await del('alice', bob.token)).status).toBe(403);
    expect((await del('alice', 'unknown-token')).status).toBe(403);
    expect((await del('-x', alice.token)).status).toBe(403);
    const ok = await del('Alice', alice.token);
    expect(ok.status).toBe(204);
    expect(fake.tokens.has(alice.token)).toBe(false);
    expect(fake.tokens.has(bob.token)).toBe(true);
    expect((await enroll({ code: CODE, name: 'alice' })).status).toBe(201);
  });

  it('a wrong code delays the next code from that address by 1 s; the right code then passes (no lockout)', async () => {
    expect((await joinInfo('guess-1')).status).toBe(403);
    let answered = false;
    const next = enroll({ code: CODE, name: 'alice' }).then((r) => {
      answered = true;
      return r;
    });
    await until(() => throttle.arrivals === 2, 'the second request');
    await new Promise((r) => setTimeout(r, 100));
    expect(answered).toBe(false);
    clock.advance(1000);
    expect((await next).status).toBe(201);
  });

  it('past the backlog: 429 with Retry-After for any code (none is compared), then served again', async () => {
    expect((await joinInfo('guess-0')).status).toBe(403); // next check at +1 s
    // Four more wrong codes queue (backlog 1+4 = 5 s = the test's maximum): the rest are refused at once.
    const queued = Array.from({ length: 4 }, (_, i) => enroll({ code: `guess-${i + 1}`, name: 'mallory' }));
    await until(() => throttle.arrivals === 5, 'the queued requests');
    for (const r of [await joinInfo('guess-9'), await joinInfo(CODE), await enroll({ code: CODE, name: 'alice' })]) {
      expect(r.status).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await r.json()).toEqual({ error: expect.stringMatching(/^too many wrong join codes .*try again in \d+ s$/) });
    }
    expect(fake.tokens.size).toBe(0);
    expect(lines.filter((l) => l.includes('too many join codes waiting')).length).toBe(1);
    for (let i = 0; i < 5; i++) clock.advance(1000);
    for (const r of await Promise.all(queued)) expect(r.status).toBe(403);
    clock.advance(1000);
    expect((await joinInfo(CODE)).status).toBe(200);
  });

  it('right codes from one address are never slowed down (a room behind one NAT), and the instructor is told once', async () => {
    const names = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay'];
    const all = await Promise.all([...names.map((name) => enroll({ code: CODE, name })), ...names.map(() => joinInfo(CODE))]);
    expect(all.map((r) => r.status)).toEqual([...names.map(() => 201), ...names.map(() => 200)]);
    expect(lines.filter((l) => l.includes(SHARED_ADDRESS_WARNING))).toHaveLength(1);
  });

  it('POST /v1/students: one deadline for all its Consul calls; past it, a 502 and no token minted', async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await start({ enrollDeadlineMs: 100 });
    const seen: Array<AbortSignal | undefined> = [];
    // A Consul slower than the whole deadline: the token is not minted after it.
    fake.registry.takenBy = async (_name, signal) => {
      seen.push(signal);
      await new Promise((r) => setTimeout(r, 150));
      return undefined;
    };
    const r = await enroll({ code: CODE, name: 'erin' });
    expect(r.status).toBe(502);
    expect(await r.json()).toEqual({ error: "enrollment failed: the instructor's Consul did not answer as expected" });
    expect(seen[0]).toBeInstanceOf(AbortSignal);
    expect(fake.tokens.size).toBe(0);
  });

  it('a Consul failure is a 502 without details', async () => {
    fake.registry.login = async () => {
      throw new Error('POST /v1/acl/login: Consul answered HTTP 403');
    };
    const r = await enroll({ code: CODE, name: 'dave' });
    expect(r.status).toBe(502);
    expect(JSON.stringify(await r.json())).not.toContain('403');
  });

  it('anything else: 404', async () => {
    expect((await fetch(`${base}/v1/students`)).status).toBe(404);
    expect((await fetch(`${base}/`)).status).toBe(404);
  });
});

describe('codeMatches', () => {
  it('only the exact string', () => {
    expect(codeMatches(CODE, CODE)).toBe(true);
    expect(codeMatches(CODE.slice(1), CODE)).toBe(false);
    expect(codeMatches(undefined, CODE)).toBe(false);
    expect(codeMatches([CODE], CODE)).toBe(false);
  });
});

test("a student's token: its own node and its own service workshop-<name> (the auth method's binding rules), nothing else", () => {
  expect(studentServiceName('alice')).toBe('workshop-alice');
  expect(STUDENT_BINDING_RULES.map((r) => [r.BindType, r.BindName])).toEqual([
    ['node', 'student-${value.name}'],
    ['service', 'workshop-${value.name}'],
  ]);
});
