import net from 'node:net';
import { sleep } from '../shared/async';
import { createLogger } from '../shared/logger';
import { DemoClient, DiscoveryMode } from './client';
import { serveConnection } from './connection';
import { Discovery, DiscoveryMethod, Instance } from './discovery/types';
import { Version } from './protocol';
import { Selector, randomSelector, roundRobinSelector } from './selection';
import { ClientRequestLine } from './summary';

const servers: net.Server[] = [];
async function demoServer(version: Version): Promise<Instance> {
  const srv = net.createServer((s) => void serveConnection(s, { version, lineTimeoutMs: 1000, idleTimeoutMs: 1000 }));
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { serviceId: `srv-${version}`, address: '127.0.0.1', port: (srv.address() as net.AddressInfo).port, protocol: version };
}
/** An address:port where nothing listens any more (a server that just restarted away). */
async function goneServer(): Promise<Instance> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return { serviceId: 'gone', address: '127.0.0.1', port, protocol: 'v1' };
}
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** Discovery that answers from a script: one list per call (the last one repeats). */
function scripted(method: DiscoveryMethod, answers: Array<Instance[] | Error>): Discovery & { calls: number } {
  const d = {
    method,
    calls: 0,
    async discover() {
      const a = answers[Math.min(d.calls++, answers.length - 1)]!;
      if (a instanceof Error) throw a;
      return a;
    },
  };
  return d;
}

function makeClient(
  discoveries: Record<DiscoveryMethod, Discovery>,
  opts: { count?: number; mode?: DiscoveryMode; selector?: Selector } = {},
) {
  const results: ClientRequestLine[] = [];
  const logs: string[] = [];
  const client = new DemoClient({
    intervalMs: 1,
    count: opts.count ?? 1,
    discoveryMode: opts.mode ?? 'alternate',
    discoveries,
    selector: opts.selector ?? roundRobinSelector(),
    timeoutMs: 1000,
    retryDelayMs: 10,
    logger: createLogger({ name: 'test', write: (l) => logs.push(l) }),
    onResult: (r) => results.push(r),
  });
  return { client, results, logs };
}

test("alternates DNS and HTTP and speaks each instance's protocol", async () => {
  const v1 = await demoServer('v1');
  const v2 = await demoServer('v2');
  const { client, results } = makeClient(
    { dns: scripted('dns', [[{ ...v1, serviceId: null }]]), http: scripted('http', [[v2]]) },
    { count: 4 },
  );
  const summary = await client.run();
  expect(results.map((r) => [r.discovery, r.protocol, r.ok, r.attempts])).toEqual([
    ['dns', 'v1', true, 1],
    ['http', 'v2', true, 1],
    ['dns', 'v1', true, 1],
    ['http', 'v2', true, 1],
  ]);
  expect(results[1]).toMatchObject({ serviceId: 'srv-v2', address: '127.0.0.1', port: v2.port, error: null });
  expect(summary).toMatchObject({ requests: 4, ok: 4, firstTryRate: 1 });
});

test('a refused first attempt is retried on another instance and reported as 2 attempts', async () => {
  const gone = await goneServer();
  const ok = await demoServer('v1');
  // A "random" source of 0 always takes the first candidate: the dead one first, then (avoiding it) the live one.
  const d = scripted('http', [[gone, ok]]);
  const { client, results, logs } = makeClient({ dns: d, http: d }, { mode: 'http', selector: randomSelector(() => 0) });
  await client.run();
  expect(results[0]).toMatchObject({ ok: true, attempts: 2, port: ok.port, serviceId: 'srv-v1' });
  expect(logs.join('\n')).toMatch(/attempt 1 failed: connection refused.*retry="another instance"/);
  expect(d.calls).toBe(1); // no second discovery needed
});

test('no instance → a fresh discovery for the retry', async () => {
  const ok = await demoServer('v2');
  const d = scripted('dns', [[], [ok]]);
  const { client, results, logs } = makeClient({ dns: d, http: d }, { mode: 'dns' });
  await client.run();
  expect(results[0]).toMatchObject({ ok: true, attempts: 2, protocol: 'v2' });
  expect(d.calls).toBe(2);
  expect(logs.join('\n')).toMatch(/attempt 1 failed: no instance found: Consul DNS has no SRV answer.*retry="fresh discovery"/);
});

test('still nothing after the retry: a failed request with a plain error', async () => {
  const d = scripted('http', [[]]);
  const { client, results } = makeClient({ dns: d, http: d }, { mode: 'http' });
  const summary = await client.run();
  expect(results[0]).toMatchObject({ ok: false, attempts: 2, serviceId: null, address: null, port: null, protocol: null });
  expect(results[0]!.error).toMatch(/no instance found: the Consul HTTP API lists no passing consul-demo instance/);
  expect(summary).toMatchObject({ requests: 1, ok: 0, failed: 1, firstTryRate: 0 });
});

test('Consul unreachable is a failed request, not a crash', async () => {
  const d = scripted('http', [new Error('Consul HTTP API query failed: connect ECONNREFUSED 127.0.0.1:1')]);
  const { client, results } = makeClient({ dns: d, http: d }, { mode: 'http' });
  await client.run();
  expect(results[0]).toMatchObject({ ok: false, attempts: 2, error: 'Consul HTTP API query failed: connect ECONNREFUSED 127.0.0.1:1' });
});

test('a wrong reply (stale tag) fails the attempt with the reply in the error', async () => {
  const v2 = await demoServer('v2');
  const d = scripted('http', [[{ ...v2, protocol: 'v1' }]]);
  const { client, results } = makeClient({ dns: d, http: d }, { mode: 'http' });
  await client.run();
  expect(results[0]!.ok).toBe(false);
  expect(results[0]!.error).toMatch(/wrong reply to ping: "error: expected syn"/);
});

test('stop() ends an endless run', async () => {
  const v1 = await demoServer('v1');
  const d = scripted('dns', [[v1]]);
  const { client, results } = makeClient({ dns: d, http: d }, { count: 0, mode: 'dns' });
  const running = client.run();
  await sleep(100);
  client.stop();
  const summary = await running;
  expect(summary.requests).toBe(results.length);
  expect(results.length).toBeGreaterThan(1);
});
