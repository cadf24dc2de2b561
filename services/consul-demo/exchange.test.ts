import net from 'node:net';
import { serveConnection } from './connection';
import { exchange } from './exchange';
import { Version } from './protocol';

const servers: net.Server[] = [];
async function listen(handler: (s: net.Socket) => void): Promise<number> {
  const srv = net.createServer(handler);
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as net.AddressInfo).port;
}
const demo = (version: Version) => (s: net.Socket) => void serveConnection(s, { version, lineTimeoutMs: 1000, idleTimeoutMs: 1000 });
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

test('v1 and v2 exchanges succeed against a server of that version', async () => {
  const p1 = await listen(demo('v1'));
  const p2 = await listen(demo('v2'));
  expect(await exchange('127.0.0.1', p1, 'v1', 1000)).toEqual({ ok: true, error: null, reply: 'pong' });
  expect(await exchange('127.0.0.1', p2, 'v2', 1000)).toEqual({ ok: true, error: null, reply: 'ack' });
});

test('the wrong version is a failed request naming the reply', async () => {
  const p = await listen(demo('v2'));
  const r = await exchange('127.0.0.1', p, 'v1', 1000);
  expect(r.ok).toBe(false);
  expect(r.reply).toBe('error: expected syn');
  expect(r.error).toMatch(/wrong reply to ping: "error: expected syn"/);
});

test('a closed port is "connection refused"', async () => {
  const p = await listen(() => undefined);
  await new Promise((r) => servers.pop()!.close(r));
  const r = await exchange('127.0.0.1', p, 'v1', 1000);
  expect(r).toMatchObject({ ok: false, reply: null });
  expect(r.error).toMatch(/connection refused \(ECONNREFUSED\)/);
});

test('no reply within the timeout is a timeout', async () => {
  const held: net.Socket[] = [];
  const p = await listen((s) => held.push(s)); // accepts, never answers
  const t0 = Date.now();
  const r = await exchange('127.0.0.1', p, 'v1', 200);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
  expect(r.error).toBe('timeout: no reply within 200 ms');
  held.forEach((s) => s.destroy());
});

test('a server that closes without answering is a failure, not a hang', async () => {
  const p = await listen((s) => s.resume().end()); // resume: read (and drop) the request, so the socket sees the client's FIN
  const r = await exchange('127.0.0.1', p, 'v1', 1000);
  expect(r).toEqual({ ok: false, error: 'connection closed before a reply', reply: null });
});
