/**
 * --restart-mode against a real Consul dev agent: one real server restarting every 2 s, one real client asking
 * every 20 ms (1000 requests, DNS and HTTP API by turns), both as the built CLI (npm run build first).
 * make-before-break must reach >= 99.9 % first-try success; break-before-make, in the same setup, must still show
 * first-try failures (the lesson's gap), so the test fails either way the two modes stop differing.
 */
import { consulGet } from '../harness/consul';
import { DemoLogEvent, demoEnv, serverEvents } from '../harness/consulDemo';
import { useConsulDev } from '../harness/consulFixture';
import { distPath } from '../harness/paths';
import { ManagedProcess, startProcess } from '../harness/processes';
import { waitFor } from '../harness/waitFor';
import type { ClientRequestLine } from '../../services/consul-demo/summary';

const CLI = distPath('services/consul-demo/cli.js');
const REQUESTS = 1000;

const consul = useConsulDev();

let serial = 0;
const startServer = (mode: string): ManagedProcess =>
  startProcess(
    process.execPath,
    [CLI, 'server', '--bind', '127.0.0.1', '--log-format', 'json', '--restart-every', '2s', '--restart-mode', mode],
    { name: `demo-server-${++serial}`, env: demoEnv(consul()) },
  );

const requests = (p: ManagedProcess): ClientRequestLine[] =>
  p.stdoutLines.map((l) => JSON.parse(l) as Partial<ClientRequestLine>).filter((o): o is ClientRequestLine => 'ok' in o);

const pct = (n: number, d: number): string => `${((100 * n) / d).toFixed(2)}%`;

/** One server in `mode`, the client for REQUESTS requests; the measured rates, printed. */
async function measure(mode: string) {
  const server = startServer(mode);
  try {
    await waitFor(() => serverEvents(server, 'registered').length === 1, { timeoutMs: 10_000, what: 'server registered' });
    // The mode is in the registration, for the lab's checks and view: one server alone tells nothing about it.
    const listed = await consulGet<Array<{ Service: { Meta: Record<string, string> } }>>(consul(), '/v1/health/service/consul-demo');
    expect(listed.map((e) => e.Service.Meta.restart_mode)).toEqual([mode]);
    const t0 = Date.now();
    const client = startProcess(process.execPath, [CLI, 'client', '--json', '--count', String(REQUESTS), '--interval', '20ms'], {
      name: `demo-client-${++serial}`,
      env: demoEnv(consul()),
    });
    expect((await client.exited).code).toBe(0);
    const seconds = (Date.now() - t0) / 1000;
    const reqs = requests(client);
    const firstTry = reqs.filter((r) => r.ok && r.attempts === 1).length;
    const ok = reqs.filter((r) => r.ok).length;
    const restarts = serverEvents(server, 'deregistered').length;
    console.log(
      `consul-demo --restart-mode ${mode}, one server restarting every 2 s, client every 20 ms: ` +
        `first try ${pct(firstTry, reqs.length)} (${firstTry}/${reqs.length}), within the retry ${pct(ok, reqs.length)}, ` +
        `${restarts} restarts in ${seconds.toFixed(1)} s`,
    );
    return { server, reqs, firstTry, ok, restarts };
  } finally {
    // SIGTERM deregisters: the next measurement starts with nothing registered.
    expect((await server.stop('SIGTERM', 5000)).code).toBe(0);
  }
}

test('make-before-break: >= 99.9 % of requests succeed on the first try across >= 5 restarts', async () => {
  const { server, reqs, firstTry, ok, restarts } = await measure('make-before-break');
  expect(reqs).toHaveLength(REQUESTS);
  expect(restarts).toBeGreaterThanOrEqual(5);
  expect(firstTry / reqs.length).toBeGreaterThanOrEqual(0.999);
  expect(ok).toBe(reqs.length);

  // Every handover in that order: the new incarnation registered and seen passing, then the old one left.
  const events = server.stderrLines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as DemoLogEvent);
  const handovers = events.filter((e) => e.msg === 'make-before-break: new incarnation passing, retiring the old one');
  expect(handovers.length).toBeGreaterThanOrEqual(5);
  for (const h of handovers) {
    const at = events.indexOf(h);
    const registeredNew = events.findIndex((e) => e.msg === 'registered' && e.serviceId === h.next);
    const deregisteringOld = events.findIndex((e) => e.msg === 'deregistering' && e.serviceId === h.serviceId);
    expect(registeredNew).toBeGreaterThanOrEqual(0);
    expect(registeredNew).toBeLessThan(at);
    expect(deregisteringOld).toBeGreaterThan(at);
  }
  expect(events.some((e) => e.msg.startsWith('make-before-break: new incarnation not passing'))).toBe(false);
}, 60_000);

test('break-before-make (the default) in the same setup: the restart gap still costs first tries', async () => {
  const { reqs, firstTry, restarts } = await measure('break-before-make');
  expect(reqs).toHaveLength(REQUESTS);
  expect(restarts).toBeGreaterThanOrEqual(5);
  // ~0.55 s without an instance per restart, several requests each time (measured 97.8 %, 22 of 1000 failing).
  expect(reqs.length - firstTry).toBeGreaterThanOrEqual(5);
}, 60_000);
