import net from 'node:net';
import { UsageError } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { RecentResults, StatusServer, startStatusServer, statusResultFrom } from './statusServer';
import type { ClientRequestLine } from './summary';

const logs: string[] = [];
const logger = createLogger({ name: 't', write: (l) => logs.push(l) });

const line = (over: Partial<ClientRequestLine> = {}): ClientRequestLine => ({
  ts: '2026-11-22T23:00:00.000Z',
  discovery: 'dns',
  serviceId: null,
  address: '127.0.0.1',
  port: 40123,
  protocol: 'v2',
  ok: true,
  attempts: 1,
  latencyMs: 3,
  error: null,
  ...over,
});

test('a request line becomes a result with exactly the agreed names', () => {
  expect(statusResultFrom(line())).toEqual({
    at: '2026-11-22T23:00:00.000Z',
    ok: true,
    attempts: 1,
    discovery: 'dns',
    instance: '127.0.0.1:40123',
    version: 'v2',
    error: null,
  });
  const failed = statusResultFrom(
    line({ discovery: 'http', address: null, port: null, protocol: null, ok: false, attempts: 2, error: 'no instance found' }),
  );
  expect(failed).toEqual({
    at: '2026-11-22T23:00:00.000Z',
    ok: false,
    attempts: 2,
    discovery: 'http',
    instance: null,
    version: null,
    error: 'no instance found',
  });
});

describe('endpoint', () => {
  let server: StatusServer;
  const results = new RecentResults(3);
  beforeAll(async () => {
    server = await startStatusServer({ port: 0, bind: '127.0.0.1', results, logger });
  });
  afterAll(() => server.close());
  const url = (path: string): string => `http://127.0.0.1:${server.port}${path}`;

  test('GET /results: the last ones kept, oldest first', async () => {
    expect(await (await fetch(url('/results'))).json()).toEqual({ results: [] });
    for (let i = 0; i < 5; i++) results.add(line({ port: 40000 + i }));
    const res = await fetch(url('/results?x=1'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { results: Array<{ instance: string }> };
    expect(body.results.map((r) => r.instance)).toEqual(['127.0.0.1:40002', '127.0.0.1:40003', '127.0.0.1:40004']);
  });

  test('GET /health is 200; other paths 404; other methods 405', async () => {
    expect((await fetch(url('/health'))).status).toBe(200);
    expect((await fetch(url('/'))).status).toBe(404);
    expect((await fetch(url('/results/1'))).status).toBe(404);
    const post = await fetch(url('/results'), { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  test('logged once when listening', () => {
    expect(logs.filter((l) => l.includes('status endpoint listening'))).toHaveLength(1);
  });
});

test('a port already taken is an environment error (exit 1, not a usage error) naming the flag', async () => {
  const taken = net.createServer();
  await new Promise<void>((r) => taken.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  const port = (taken.address() as net.AddressInfo).port;
  try {
    const err = await startStatusServer({ port, bind: '127.0.0.1', results: new RecentResults(), logger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    // runCli exits 2 for a UsageError only.
    expect(err).not.toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(`--status-port ${port}: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
  } finally {
    taken.close();
  }
});
