// The request function against a real HTTP server on 127.0.0.1 (the boundary is the socket: headers, bodies,
// statuses, a server that never answers), not a fake fetch.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { ConsulError, isPermanentConsulError } from './errors';
import { consulAnswer, consulRequest, type ConsulTarget } from './http';
import { aclLogin, catalogNode, orMissing, aclToken } from './endpoints';

interface Seen {
  method: string;
  url: string;
  token: string | undefined;
  contentType: string | undefined;
  body: string;
}

let server: http.Server;
let baseUrl: string;
const seen: Seen[] = [];
/** path (without query) → what the server answers; absent: hang (never answer). */
const routes = new Map<string, { status: number; body: string } | 'hang'>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const token = req.headers['x-consul-token'];
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        token: typeof token === 'string' ? token : undefined,
        contentType: req.headers['content-type'],
        body,
      });
      const route = routes.get((req.url ?? '').split('?')[0]!);
      if (route === 'hang') return;
      res.statusCode = route?.status ?? 404;
      res.end(route?.body ?? 'not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  seen.length = 0;
  routes.clear();
});

const target = (over: Partial<ConsulTarget> = {}): ConsulTarget => ({
  baseUrl: `${baseUrl}/`,
  token: 'the-secret',
  timeoutMs: 2000,
  ...over,
});
const put = (path: string, body: unknown, schema: z.ZodType = z.unknown()) =>
  consulRequest(target(), { method: 'PUT', path, body, schema });

test('method, path, the token in X-Consul-Token (never the URL), a JSON body, the answer through the schema', async () => {
  routes.set('/v1/acl/policy', { status: 200, body: '{"ID":"p1","Name":"n","Extra":1}' });
  const answer = await put('/v1/acl/policy?x=1', { Name: 'n' }, z.object({ ID: z.string(), Name: z.string() }));
  expect(answer).toEqual({ ID: 'p1', Name: 'n' });
  expect(seen).toEqual([
    { method: 'PUT', url: '/v1/acl/policy?x=1', token: 'the-secret', contentType: 'application/json', body: '{"Name":"n"}' },
  ]);
  expect(seen[0]!.url).not.toContain('the-secret');
});

test("a request token replaces the target's; null sends none (a login)", async () => {
  routes.set('/v1/acl/login', { status: 200, body: JSON.stringify({ AccessorID: 'a', SecretID: 's' }) });
  await aclLogin(target(), { AuthMethod: 'm', BearerToken: 'jwt' });
  expect(seen[0]!.token).toBeUndefined();
  routes.set('/v1/status/leader', { status: 200, body: '""' });
  await consulAnswer(target(), { path: '/v1/status/leader', token: 'other' });
  expect(seen[1]!.token).toBe('other');
});

test("an error status: one ConsulError with the status, Consul's first line and a hint; never the request body", async () => {
  routes.set('/v1/acl/token', { status: 403, body: "Permission denied: token lacks 'acl:write'\nsecond line" });
  const err = await put('/v1/acl/token?q', { SecretID: 'body-secret' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConsulError);
  const e = err as ConsulError;
  expect(e.message).toBe("PUT /v1/acl/token: HTTP 403: Permission denied: token lacks 'acl:write'");
  expect(e.status).toBe(403);
  expect(e.reason).toBe("Permission denied: token lacks 'acl:write'");
  expect(e.body).toContain('second line');
  expect(e.hint).toMatch(/policy lacks/);
  expect(e.message).not.toContain('body-secret');
  expect(isPermanentConsulError(e)).toBe(true);
});

test('a long reason is cut at 200 characters', async () => {
  routes.set('/v1/x', { status: 500, body: 'y'.repeat(500) });
  const e = (await consulRequest(target(), { path: '/v1/x', schema: z.unknown() }).catch((x: unknown) => x)) as ConsulError;
  expect(e.reason).toHaveLength(200);
  expect(isPermanentConsulError(e)).toBe(false);
});

test('not JSON, or not the shape: a ConsulError naming the call (never the value)', async () => {
  routes.set('/v1/agent/members', { status: 200, body: '<html>' });
  await expect(consulRequest(target(), { path: '/v1/agent/members', schema: z.array(z.unknown()) })).rejects.toThrow(
    /^GET \/v1\/agent\/members: not JSON$/,
  );
  routes.set('/v1/acl/token/a', { status: 200, body: JSON.stringify({ AccessorID: 42, SecretID: 'leak-me' }) });
  const e = (await aclToken(target(), 'a').catch((x: unknown) => x)) as ConsulError;
  expect(e).toBeInstanceOf(ConsulError);
  expect(e.message).toMatch(/^GET \/v1\/acl\/token\/a: unexpected answer: AccessorID: /);
  expect(e.message).not.toContain('leak-me');
});

test('no answer (refused, or past the deadline): a ConsulError without status, the cause on the same line, "is the lab up?"', async () => {
  // A port nothing listens on: one that was just closed.
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const refused = (await consulAnswer({ baseUrl: `http://127.0.0.1:${port}` }, { path: '/v1/status/leader' }).catch(
    (x: unknown) => x,
  )) as ConsulError;
  expect(refused).toBeInstanceOf(ConsulError);
  expect(refused.status).toBeUndefined();
  expect(refused.message).toMatch(/^GET \/v1\/status\/leader: fetch failed \(.*ECONNREFUSED/);
  expect(refused.hint).toMatch(/is the lab up/);
  expect(isPermanentConsulError(refused)).toBe(false);

  routes.set('/v1/slow', 'hang');
  const started = Date.now();
  const late = (await consulAnswer(target({ timeoutMs: 200 }), { path: '/v1/slow' }).catch((x: unknown) => x)) as ConsulError;
  expect(late).toBeInstanceOf(ConsulError);
  expect(late.status).toBeUndefined();
  expect(Date.now() - started).toBeLessThan(1500);
  // A caller's signal ends it sooner still.
  const ac = new AbortController();
  const p = consulAnswer(target(), { path: '/v1/slow', signal: ac.signal }).catch((x: unknown) => x);
  ac.abort();
  expect(await p).toBeInstanceOf(ConsulError);
});

test('an answer larger than the cap is no answer', async () => {
  routes.set('/v1/big', { status: 200, body: 'x'.repeat(2000) });
  await expect(consulAnswer(target(), { path: '/v1/big', maxBytes: 1000 })).rejects.toThrow(/larger than 1000 bytes/);
});

test('missing objects: 404, or 403 "does not exist"; a plain "ACL not found" stays an error', async () => {
  routes.set('/v1/acl/token/gone', { status: 403, body: 'token does not exist: ACL not found' });
  expect(await orMissing(aclToken(target(), 'gone'))).toBeUndefined();
  routes.set('/v1/acl/token/refused', { status: 403, body: 'ACL not found' });
  await expect(orMissing(aclToken(target(), 'refused'))).rejects.toThrow(/HTTP 403: ACL not found/);
  routes.set('/v1/catalog/node/none', { status: 200, body: 'null' });
  expect(await catalogNode(target(), 'none')).toBeNull();
  expect(await catalogNode(target(), 'nope')).toBeNull(); // 404
});
