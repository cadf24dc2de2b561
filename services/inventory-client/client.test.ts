import { InventoryClient } from './client';
import { jsonLineSchema, type RequestRecord, type TlsRecord } from './names';
import { closingServer, pongServer, type Running } from './testdata/servers';

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

test('the loops: a request per interval, a TLS probe per its own interval, both ended by stop()', async () => {
  running = await pongServer();
  const requests: RequestRecord[] = [];
  const probes: TlsRecord[] = [];
  const client = new InventoryClient({
    target: { host: '127.0.0.1', port: running.port },
    everyMs: 50,
    timeoutMs: 200,
    tlsProbe: { host: '127.0.0.1', port: running.port },
    tlsEveryMs: 10_000,
    onRequest: (r) => requests.push(r),
    onTls: (r) => probes.push(r),
  });
  const done = client.run();
  await new Promise((r) => setTimeout(r, 500));
  client.stop();
  await done;
  expect(requests.length).toBeGreaterThanOrEqual(3);
  expect(client.requests).toBe(requests.length);
  for (const r of requests) expect(jsonLineSchema.parse(r)).toEqual(r);
  expect(requests[0]).toMatchObject({ kind: 'request', ok: true, reply: 'PONG' });
  // The plain-text server is not TLS: no certificate, and it answered the plain PING.
  expect(probes).toHaveLength(1);
  expect(probes[0]).toMatchObject({ kind: 'tls', ok: false, plainAnswered: true });
});

test('a request record: the --json line shape, error and no reply when it failed', async () => {
  running = await closingServer();
  const client = new InventoryClient({
    target: { host: '127.0.0.1', port: running.port },
    everyMs: 1000,
    timeoutMs: 500,
    tlsProbe: undefined,
    tlsEveryMs: 5000,
    onRequest: () => undefined,
    onTls: () => undefined,
    now: () => new Date('2026-12-07T10:00:00.000Z'),
  });
  const r = await client.request();
  expect(r).toEqual({
    kind: 'request',
    at: '2026-12-07T10:00:00.000Z',
    ok: false,
    ms: expect.any(Number),
    error: 'closed without a reply',
  });
  expect(Object.keys(JSON.parse(JSON.stringify(r)))).toEqual(['kind', 'at', 'ok', 'ms', 'error']);
});
