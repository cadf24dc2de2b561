// The gateway's watch over the `consul` client's own, against a real HTTP server on 127.0.0.1 standing in for
// the agent: answers flow while the index moves, an error starts over from index 0 after a back-off, stop() ends
// the request in flight.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConsulHttpAddr } from './address';
import { createConsulClient } from './client';
import { pathWatchMethod, watch } from './watch';

test('answers while the index moves; after an error it starts over from index 0; stop() ends the blocked request', async () => {
  const asked: string[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const index = new URL(req.url ?? '/', 'http://x').searchParams.get('index') ?? '';
    asked.push(index);
    n += 1;
    // 1: index 5; 2: the same index came back after the wait (no change); 3: a 500; 4: index 7; then block.
    if (n === 3) {
      res.statusCode = 500;
      res.end('No cluster leader');
      return;
    }
    if (n >= 5) return; // a blocking query that does not come back before stop()
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-consul-index', n === 4 ? '7' : '5');
    res.end(JSON.stringify([{ answer: n }]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const consul = createConsulClient(parseConsulHttpAddr(`127.0.0.1:${port}`), { token: '' });
  const data: unknown[] = [];
  const errors: string[] = [];
  const w = watch({
    consul,
    method: consul.health.service,
    options: { service: 'workshop' },
    waitMs: 30_000,
    retryMinMs: 20,
    onData: (b) => data.push(b),
    onError: (e) => errors.push((e as Error).message),
  });
  const deadline = Date.now() + 5000;
  while (n < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const stopped = Date.now();
  await w.stop();
  expect(Date.now() - stopped).toBeLessThan(1000);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));

  expect(data).toEqual([[{ answer: 1 }], [{ answer: 4 }]]);
  expect(errors).toHaveLength(1);
  // 0, then blocking on 5 twice (the second answer had the same index), then 0 again after the error, then 7.
  expect(asked).toEqual(['0', '5', '5', '0', '7']);
});

test('pathWatchMethod: a GET the client has no call for, blocking like its own (path, index, wait, dc, token)', async () => {
  const asked: Array<{ path: string; index: string | null; wait: string | null; dc: string | null; token: string | undefined }> = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    asked.push({
      path: url.pathname,
      index: url.searchParams.get('index'),
      wait: url.searchParams.get('wait'),
      dc: url.searchParams.get('dc'),
      token: req.headers['x-consul-token'] as string | undefined,
    });
    if (asked.length >= 2) return; // blocks until stop()
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-consul-index', '12');
    res.end(JSON.stringify([{ SourceName: 'inventory-client', DestinationName: 'inventory-db', Action: 'deny' }]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const consul = createConsulClient(parseConsulHttpAddr(`127.0.0.1:${port}`), { token: 'read-token' });
  const data: unknown[] = [];
  const w = watch({
    consul,
    method: pathWatchMethod('/connect/intentions'),
    options: { dc: 'dc1' },
    waitMs: 30_000,
    onData: (b) => data.push(b),
    onError: (e) => data.push(e),
  });
  const deadline = Date.now() + 5000;
  while (asked.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await w.stop();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  expect(data).toEqual([[{ SourceName: 'inventory-client', DestinationName: 'inventory-db', Action: 'deny' }]]);
  expect(asked).toEqual([
    { path: '/v1/connect/intentions', index: '0', wait: '30s', dc: 'dc1', token: 'read-token' },
    { path: '/v1/connect/intentions', index: '12', wait: '30s', dc: 'dc1', token: 'read-token' },
  ]);
});
