import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../shared/logger';
import { GITHUB_LOGIN } from '../workshop-api/githubAvatar';
import { codeMatches, createEnrollmentApp, takenMessage } from './app';
import type { StudentRegistry } from './consulAcl';
import { STUDENT_NAME, studentServiceName, studentTokenIdentities } from './names';

const CODE = 'kite-maple-7421';
const JOIN = JSON.stringify({ version: 1, datacenter: 'dc1', joinCode: CODE, gossipKey: 'k'.repeat(43) + '=' });

/** An in-memory Consul: tokens by secret, plus nodes/services that may already exist. */
function fakeRegistry(): StudentRegistry & { tokens: Map<string, { accessorId: string; description: string }>; nodes: Set<string> } {
  const tokens = new Map<string, { accessorId: string; description: string }>();
  const nodes = new Set<string>();
  let n = 0;
  return {
    tokens,
    nodes,
    async takenBy(name) {
      if ([...tokens.values()].some((t) => t.description === `lab student ${name}`)) return 'token';
      return nodes.has(`student-${name}`) ? 'node' : undefined;
    },
    async mintToken(name) {
      // A slow Consul, so concurrent requests overlap.
      await new Promise((r) => setTimeout(r, 20));
      n++;
      const t = { accessorId: `acc-${n}`, secretId: `secret-${n}-xxxxxxxx` };
      tokens.set(t.secretId, { accessorId: t.accessorId, description: `lab student ${name}` });
      return t;
    },
    async tokenSelf(secret) {
      return tokens.get(secret);
    },
    async deleteToken(accessorId) {
      for (const [s, t] of tokens) if (t.accessorId === accessorId) tokens.delete(s);
    },
  };
}

describe('enrollment app', () => {
  let server: http.Server;
  let base: string;
  let registry: ReturnType<typeof fakeRegistry>;
  const lines: string[] = [];

  beforeEach(async () => {
    registry = fakeRegistry();
    lines.length = 0;
    const log = createLogger({ name: 'enrollment', write: (l) => lines.push(l) });
    server = http.createServer(createEnrollmentApp({ joinInfoJson: JOIN, joinCode: CODE, datacenter: 'dc1' }, registry, log));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => new Promise<void>((r) => server.close(() => r())));

  const enroll = (body: unknown): Promise<Response> =>
    fetch(`${base}/v1/students`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it('/health answers without a code and logs nothing', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(lines).toEqual([]);
  });

  it('join-info: the JoinInfo for the right code, 403 otherwise', async () => {
    const ok = await fetch(`${base}/v1/join-info?code=${CODE}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe(JOIN);
    for (const q of ['', '?code=nope', `?code=${CODE}x`, `?code=${CODE}&code=${CODE}`]) {
      const r = await fetch(`${base}/v1/join-info${q}`);
      expect(r.status).toBe(403);
      expect(await r.json()).toEqual({ error: 'wrong join code' });
    }
  });

  it('POST /v1/students: 201 with the token, then 409 for the same name', async () => {
    const first = await enroll({ code: CODE, name: 'alice' });
    expect(first.status).toBe(201);
    const body = (await first.json()) as Record<string, string>;
    expect(body).toEqual({
      name: 'alice',
      nodeName: 'student-alice',
      serviceId: 'workshop-alice',
      serviceName: 'workshop-alice',
      token: 'secret-1-xxxxxxxx',
      accessorId: 'acc-1',
    });
    const again = await enroll({ code: CODE, name: 'alice' });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: takenMessage('alice') });
    // No log line carries the code or a token.
    expect(lines.join('\n')).not.toContain(CODE);
    expect(lines.join('\n')).not.toContain('secret-1');
  });

  it('two machines racing for one name: one 201, one 409', async () => {
    const [a, b] = await Promise.all([enroll({ code: CODE, name: 'bob' }), enroll({ code: CODE, name: 'bob' })]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
  });

  it('a node already in the catalog takes the name', async () => {
    registry.nodes.add('student-carol');
    expect((await enroll({ code: CODE, name: 'carol' })).status).toBe(409);
  });

  it('400 for a bad name, 403 for a wrong code, 400/413 for bad bodies', async () => {
    expect((await enroll({ code: CODE, name: '-bad' })).status).toBe(400);
    // Consul's service identity for workshop-x also writes workshop-x-sidecar-proxy: that name would be x's to take.
    const sidecar = await enroll({ code: CODE, name: 'x-Sidecar-Proxy' });
    expect(sidecar.status).toBe(400);
    expect(await sidecar.json()).toEqual({ error: expect.stringContaining('-sidecar-proxy') });
    expect((await enroll({ code: CODE })).status).toBe(400);
    expect((await enroll({ code: 'wrong', name: 'alice' })).status).toBe(403);
    expect((await enroll({ name: 'alice' })).status).toBe(403);
    const notJson = await fetch(`${base}/v1/students`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{' });
    expect(notJson.status).toBe(400);
    const big = await enroll({ code: CODE, name: 'alice', pad: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
  });

  it("DELETE frees the name with the student's own token only", async () => {
    const alice = (await (await enroll({ code: CODE, name: 'alice' })).json()) as { token: string };
    const bob = (await (await enroll({ code: CODE, name: 'bob' })).json()) as { token: string };
    const del = (name: string, token?: string): Promise<Response> =>
      fetch(`${base}/v1/students/${name}`, { method: 'DELETE', headers: token ? { 'X-Consul-Token': token } : {} });
    expect((await del('alice')).status).toBe(403);
    expect((await del('alice', bob.token)).status).toBe(403);
    expect((await del('alice', 'unknown-token')).status).toBe(403);
    expect((await del('alice', alice.token)).status).toBe(204);
    expect((await enroll({ code: CODE, name: 'alice' })).status).toBe(201);
  });

  it('wrong codes: 429 with Retry-After past 10 a minute per client, the right code refused too until then', async () => {
    for (let i = 0; i < 5; i++) expect((await fetch(`${base}/v1/join-info?code=guess${i}`)).status).toBe(403);
    // Both doors share the count.
    for (let i = 0; i < 5; i++) expect((await enroll({ code: `guess${i}`, name: 'mallory' })).status).toBe(403);
    for (const r of [await fetch(`${base}/v1/join-info?code=${CODE}`), await enroll({ code: CODE, name: 'alice' })]) {
      expect(r.status).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(await r.json()).toEqual({ error: expect.stringMatching(/^too many wrong join codes .*try again in \d+ s$/) });
    }
    expect(registry.tokens.size).toBe(0);
    expect(lines.join('\n')).not.toContain(CODE);
  });

  it('right codes are never limited (a room behind one NAT)', async () => {
    for (let i = 0; i < 15; i++) expect((await fetch(`${base}/v1/join-info?code=${CODE}`)).status).toBe(200);
  });

  it('POST /v1/students: one deadline for all its Consul calls; past it, a 502 and no token minted', async () => {
    const deadlined = http.createServer(
      createEnrollmentApp(
        { joinInfoJson: JOIN, joinCode: CODE, datacenter: 'dc1', enrollDeadlineMs: 100 },
        registry,
        createLogger({ name: 't', write: () => {} }),
      ),
    );
    await new Promise<void>((r) => deadlined.listen(0, '127.0.0.1', r));
    try {
      const seen: Array<AbortSignal | undefined> = [];
      // A Consul slower than the whole deadline: the token is not minted after it.
      registry.takenBy = async (_name, signal) => {
        seen.push(signal);
        await new Promise((r) => setTimeout(r, 150));
        return undefined;
      };
      const r = await fetch(`http://127.0.0.1:${(deadlined.address() as AddressInfo).port}/v1/students`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ code: CODE, name: 'erin' }),
      });
      expect(r.status).toBe(502);
      expect(seen[0]).toBeInstanceOf(AbortSignal);
      expect(registry.tokens.size).toBe(0);
    } finally {
      await new Promise<void>((r) => deadlined.close(() => r()));
    }
  });

  it('a Consul failure is a 502 without details', async () => {
    registry.takenBy = async () => {
      throw new Error('connect ECONNREFUSED');
    };
    const r = await enroll({ code: CODE, name: 'dave' });
    expect(r.status).toBe(502);
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

describe('STUDENT_NAME', () => {
  it("is workshop-api's GitHub login rule", () => {
    expect(STUDENT_NAME.source).toBe(GITHUB_LOGIN.source);
  });
});

test("a student's token: its own node and its own service workshop-<name>, no policy (no write on the shared workshop)", () => {
  expect(studentServiceName('alice')).toBe('workshop-alice');
  expect(studentTokenIdentities('alice', 'dc1')).toEqual({
    NodeIdentities: [{ NodeName: 'student-alice', Datacenter: 'dc1' }],
    ServiceIdentities: [{ ServiceName: 'workshop-alice' }],
  });
});
