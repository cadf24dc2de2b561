import { createLogger } from '../shared/logger';
import { RESULTS_KEPT, type RequestRecord, resultsSchema, type TlsRecord } from './names';
import { RecentResults } from './results';
import { type StatusServer, startStatusServer } from './statusServer';

const logger = createLogger({ name: 'test', write: () => undefined });
const req = (i: number): RequestRecord => ({
  kind: 'request',
  at: new Date(i * 1000).toISOString(),
  ok: i % 2 === 0,
  ms: i,
  ...(i % 2 ? { error: 'closed without a reply' } : { reply: 'PONG' }),
});

test('the ring keeps the last RESULTS_KEPT requests, oldest first, and the last TLS record', () => {
  const recent = new RecentResults();
  expect(recent.snapshot()).toEqual({ results: [], tls: null });
  for (let i = 0; i < RESULTS_KEPT * 2 + 7; i++) recent.addRequest(req(i));
  const s = recent.snapshot();
  expect(s.results).toHaveLength(RESULTS_KEPT);
  expect(s.results[0]).toEqual(req(RESULTS_KEPT + 7));
  expect(s.results.at(-1)).toEqual(req(RESULTS_KEPT * 2 + 6));
  expect(resultsSchema.parse(s)).toEqual(s);
  expect(() => new RecentResults(0)).toThrow(RangeError);
});

describe('the status server on loopback', () => {
  let server: StatusServer;
  let ready = false;
  const recent = new RecentResults(3);
  beforeAll(async () => {
    server = await startStatusServer({ port: 0, bind: '127.0.0.1', results: recent, ready: () => ready, logger });
  });
  afterAll(() => server.close());
  const get = (path: string, method = 'GET') => fetch(`http://127.0.0.1:${server.port}${path}`, { method });

  test('/health: 503 before the first request, 200 after, whatever its outcome', async () => {
    expect((await get('/health')).status).toBe(503);
    ready = true;
    expect((await get('/health')).status).toBe(200);
  });

  test('/results: the shape lab:check and the lab view parse (names.ts resultsSchema), bounded', async () => {
    for (let i = 0; i < 5; i++) recent.addRequest(req(i));
    const tls: TlsRecord = {
      kind: 'tls',
      at: new Date(0).toISOString(),
      target: '10.213.50.22:21000',
      ok: true,
      uri: 'spiffe://x/svc/inventory-db',
      issuer: 'ca',
      serial: '01',
      validTo: new Date(1).toISOString(),
      refused: true,
      refusal: 'tlsv13 alert certificate required',
      plainAnswered: false,
      plainOutcome: 'closed without a reply',
    };
    recent.setTls(tls);
    const res = await get('/results');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = resultsSchema.parse(await res.json());
    expect(body).toEqual({ results: [req(2), req(3), req(4)], tls });
  });

  test('anything else: 404; another method: 405', async () => {
    expect((await get('/')).status).toBe(404);
    expect((await get('/results/x')).status).toBe(404);
    expect((await get('/results', 'POST')).status).toBe(405);
  });
});

test('a taken port is one line naming it', async () => {
  const first = await startStatusServer({ port: 0, bind: '127.0.0.1', results: new RecentResults(), ready: () => true, logger });
  try {
    await expect(
      startStatusServer({ port: first.port, bind: '127.0.0.1', results: new RecentResults(), ready: () => true, logger }),
    ).rejects.toThrow(`--status-port ${first.port}: cannot listen on 127.0.0.1:${first.port} (EADDRINUSE)`);
  } finally {
    await first.close();
  }
});
