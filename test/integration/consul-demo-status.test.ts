/**
 * consul-demo client --status-port against a real Consul dev agent and a real server, both as the built CLI
 * (npm run build first): GET /results serves the last 200 requests, oldest first, in the agreed shape, and they
 * are the same requests the client printed with --json.
 */
import net from 'node:net';
import { demoEnv, serverEvents } from '../harness/consulDemo';
import { useConsulDev } from '../harness/consulFixture';
import { distPath } from '../harness/paths';
import { freePort } from '../harness/ports';
import { ManagedProcess, startProcess } from '../harness/processes';
import { waitFor } from '../harness/waitFor';
import type { ClientRequestLine } from '../../services/consul-demo/summary';

const CLI = distPath('services/consul-demo/cli.js');
const consul = useConsulDev();

interface Result {
  at: string;
  ok: boolean;
  attempts: number;
  discovery: string;
  instance: string | null;
  version: string | null;
  error: string | null;
}

const requests = (p: ManagedProcess): ClientRequestLine[] =>
  p.stdoutLines.map((l) => JSON.parse(l) as Partial<ClientRequestLine>).filter((o): o is ClientRequestLine => 'ok' in o);

test('GET /results: the last 200 requests, oldest first, as the client printed them; /health 200; other paths 404', async () => {
  // Restarting, so that the window holds more than one instance and maybe a failure: the view must show those too.
  const server = startProcess(
    process.execPath,
    [CLI, 'server', '--bind', '127.0.0.1', '--log-format', 'json', '-version', 'v2', '--restart-every', '1500ms'],
    { name: 'demo-server', env: demoEnv(consul()) },
  );
  await waitFor(() => serverEvents(server, 'registered').length === 1, { timeoutMs: 10_000, what: 'server registered' });
  const port = await freePort();
  const client = startProcess(process.execPath, [CLI, 'client', '--json', '--interval', '20ms', '--log-format', 'json'], {
    name: 'demo-client',
    env: demoEnv(consul(), { DEMO_STATUS_PORT: String(port) }),
  });
  const url = (path: string): string => `http://127.0.0.1:${port}${path}`;
  try {
    await client.waitForLine(/status endpoint listening/, 10_000);
    expect((await fetch(url('/health'))).status).toBe(200);
    expect((await fetch(url('/nope'))).status).toBe(404);

    await waitFor(() => requests(client).length >= 250, { timeoutMs: 30_000, what: '250 requests' });
    const res = await fetch(url('/results'));
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Result[] };
    expect(results).toHaveLength(200);
    for (const r of results) expect(Object.keys(r).sort()).toEqual(['at', 'attempts', 'discovery', 'error', 'instance', 'ok', 'version']);
    // Oldest first.
    const times = results.map((r) => Date.parse(r.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // The same 200 requests the client printed, in order (more may have been printed since).
    const printed = requests(client);
    const start = printed.findIndex((p) => p.ts === results[0]!.at);
    expect(start).toBeGreaterThanOrEqual(50);
    const expected = printed.slice(start, start + 200).map((p) => ({
      at: p.ts,
      ok: p.ok,
      attempts: p.attempts,
      discovery: p.discovery,
      instance: p.address === null ? null : `${p.address}:${p.port}`,
      version: p.protocol,
      error: p.error,
    }));
    expect(results).toEqual(expected);
    expect(results.some((r) => r.ok && r.attempts === 1 && r.version === 'v2' && /^127\.0\.0\.1:\d+$/.test(r.instance ?? ''))).toBe(true);
    expect(new Set(results.map((r) => r.discovery))).toEqual(new Set(['dns', 'http']));

    expect((await client.stop('SIGTERM', 5000)).code).toBe(0);
    await expect(fetch(url('/health'))).rejects.toThrow();
  } finally {
    await Promise.all([client.stop(), server.stop()]);
  }
}, 60_000);

test('a status port already taken: one line naming it, exit 1 (the machine, not the input), before any request', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const client = startProcess(process.execPath, [CLI, 'client', '--json', '--status-port', String(port)], {
      name: 'demo-client-taken',
      env: demoEnv(consul(), { DEMO_STATUS_BIND: '127.0.0.1' }),
    });
    const { code } = await client.exited;
    expect(code).toBe(1);
    expect(client.stderrLines).toEqual([`consul-demo: error: --status-port ${port}: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`]);
    expect(client.stdoutLines).toEqual([]);
  } finally {
    blocker.close();
  }
}, 30_000);
