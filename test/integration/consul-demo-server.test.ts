/**
 * consul-demo server against a real Consul dev agent, run as the built CLI (npm run build first):
 * registration, restarts, the protocol lock, garbage on the socket, clean shutdown, bad input.
 */
import { consulGet } from '../harness/consul';
import { DemoLogEvent, demoEnv, serverEvents, talk } from '../harness/consulDemo';
import { useConsulDev } from '../harness/consulFixture';
import { distPath } from '../harness/paths';
import { ManagedProcess, startProcess } from '../harness/processes';
import { sleep, waitFor } from '../harness/waitFor';

const consul = useConsulDev();
const CLI = distPath('services/consul-demo/cli.js');

let serial = 0;
function startServer(args: string[], env: NodeJS.ProcessEnv = {}): ManagedProcess {
  return startProcess(process.execPath, [CLI, 'server', '--bind', '127.0.0.1', '--log-format', 'json', ...args], {
    name: `demo-server-${++serial}`,
    env: demoEnv(consul(), env),
  });
}

interface AgentService {
  ID: string;
  Service: string;
  Tags: string[];
  Meta: Record<string, string>;
  Address: string;
  Port: number;
}
interface AgentCheck {
  CheckID: string;
  Status: string;
  ServiceID: string;
  ServiceName: string;
  Type: string;
  Output: string;
}
const get = <T>(path: string): Promise<T> => consulGet<T>(consul(), path);
const demoServices = async (): Promise<AgentService[]> =>
  Object.values(await get<Record<string, AgentService>>('/v1/agent/services')).filter((s) => s.Service === 'consul-demo');

/** Registered instances whose ID belongs to this process (IDs are consul-demo-<host>-<pid>-<4 hex>-<n>). */
const servicesOf = async (p: ManagedProcess): Promise<AgentService[]> => (await demoServices()).filter((s) => s.ID.includes(`-${p.pid}-`));

test('registers with its tag, Meta.version and a TCP check attached to the service', async () => {
  const server = startServer(['-version', 'v1', '--restart-every', '0']);
  try {
    const [svc] = await waitFor(
      async () => {
        const s = await servicesOf(server);
        return s.length === 1 ? s : undefined;
      },
      { timeoutMs: 10_000, what: 'the server registered' },
    );
    expect(svc).toMatchObject({ Service: 'consul-demo', Tags: ['v1'], Meta: { version: 'v1' }, Address: '127.0.0.1' });
    expect(svc!.ID).toMatch(new RegExp(`^consul-demo-[A-Za-z0-9-]+-${server.pid}-[0-9a-f]{4}-1$`));
    expect(svc!.Port).toBeGreaterThan(0);

    // The check belongs to this service (ServiceID), is a TCP check on the advertised address, and is passing
    // from the start (registered with Status passing once the port listened).
    const checks = Object.values(await get<Record<string, AgentCheck>>('/v1/agent/checks')).filter((c) => c.ServiceID === svc!.ID);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ ServiceID: svc!.ID, ServiceName: 'consul-demo', Type: 'tcp', Status: 'passing' });
    // After the agent's first run the output names the address it connected to.
    const ran = await waitFor(
      async () => {
        const c = (await get<Record<string, AgentCheck>>('/v1/agent/checks'))[checks[0]!.CheckID];
        return c?.Output ? c : undefined;
      },
      { timeoutMs: 5000, what: 'the first TCP check run' },
    );
    expect(ran.Output).toContain(`127.0.0.1:${svc!.Port}`);
    expect(ran.Status).toBe('passing');

    // It answers on the registered port.
    expect(await talk(svc!.Port, 'ping\nsyn\n', 2)).toEqual(['pong', 'error: expected ping']);
  } finally {
    await server.stop();
  }
}, 30_000);

test('a restart deregisters the old ID and registers a new one on a new port, each step logged', async () => {
  const server = startServer(['-version', 'v1', '--restart-every', '1500ms', '--drain', '1s']);
  try {
    const first = await waitFor(async () => (await servicesOf(server))[0], { what: 'first registration' });
    // Deregistered first, yet still answering during the drain: a client that looked it up a moment ago succeeds.
    await server.waitForLine(/"msg":"deregistered"/, 10_000);
    expect((await demoServices()).map((s) => s.ID)).not.toContain(first.ID);
    expect(await talk(first.Port, 'ping\n', 1)).toEqual(['pong']);
    const second = await waitFor(
      async () => {
        const s = await servicesOf(server);
        return s.length === 1 && s[0]!.ID !== first.ID ? s[0] : undefined;
      },
      { timeoutMs: 10_000, what: 'a second incarnation (and only it) registered' },
    );
    expect(second.ID).toMatch(new RegExp(`-${server.pid}-[0-9a-f]{4}-2$`));
    // Same process, same instance prefix: only the incarnation number changes.
    expect(second.ID.replace(/-2$/, '')).toBe(first.ID.replace(/-1$/, ''));
    expect(second.Port).not.toBe(first.Port);
    expect((await demoServices()).map((s) => s.ID)).not.toContain(first.ID);
    // The old port is closed: a client that still had it gets refused.
    await expect(talk(first.Port, 'ping\n', 1)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    // Each step is one timestamped line naming the service ID, in order.
    const steps = server.stderrLines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as DemoLogEvent)
      .filter((e) => e.serviceId === first.ID)
      .map((e) => e.msg.split(':')[0]);
    expect(steps).toEqual([
      'listening',
      'registered',
      'next restart scheduled',
      'deregistering',
      'deregistered',
      'draining',
      'stopped accepting',
      'closed',
    ]);
    expect(serverEvents(server, 'registered').every((e) => !Number.isNaN(Date.parse(e.ts)))).toBe(true);
  } finally {
    await server.stop();
  }
}, 30_000);

test('-version locks the protocol across restarts (without it, both appear)', async () => {
  const locked = startServer(['-version', 'v2', '--restart-every', '400ms', '--drain', '0']);
  const free = startServer(['--restart-every', '300ms', '--drain', '0']);
  try {
    await waitFor(() => serverEvents(locked, 'registered').length >= 5, { timeoutMs: 15_000, what: '5 incarnations of the locked server' });
    const lockedVersions = serverEvents(locked, 'registered').map((e) => e.version);
    expect(lockedVersions.length).toBeGreaterThanOrEqual(5);
    expect(new Set(lockedVersions)).toEqual(new Set(['v2']));
    const svc = await waitFor(async () => (await servicesOf(locked))[0], { what: 'a registered locked instance' });
    expect(svc.Tags).toEqual(['v2']);
    // Random per restart: with p = 1/2 each, 16+ incarnations are all one version once in 2^15.
    await waitFor(() => serverEvents(free, 'registered').length >= 16, {
      timeoutMs: 20_000,
      what: '16 incarnations of the unlocked server',
    });
    expect(new Set(serverEvents(free, 'registered').map((e) => e.version))).toEqual(new Set(['v1', 'v2']));
  } finally {
    await Promise.all([locked.stop(), free.stop()]);
  }
}, 40_000);

test('garbage, over-long lines and stalled lines close that connection only; the server keeps serving', async () => {
  const server = startServer(['-version', 'v1', '--restart-every', '0', '--line-timeout', '300ms']);
  try {
    const svc = await waitFor(async () => (await servicesOf(server))[0], { what: 'registration' });
    const garbage = Buffer.from([0x00, 0xff, 0x13, 0x37, 0x80, 0x0a, 0xde, 0xad, 0xbe, 0xef, 0x0a]);
    expect(await talk(svc.Port, garbage, 1)).toEqual(['error: binary data']);
    expect(await talk(svc.Port, Buffer.concat([Buffer.from('ping\n'), Buffer.from([0xc3, 0x28, 0x0a])]), 2)).toEqual([
      'pong',
      'error: binary data',
    ]);
    expect(await talk(svc.Port, 'A'.repeat(5000), 1)).toEqual(['error: line too long']);
    expect(await talk(svc.Port, 'pin', 1)).toEqual(['error: timeout waiting for end of line']);
    // Many exchanges on one connection, and other connections unaffected throughout.
    expect(await talk(svc.Port, 'ping\n'.repeat(100), 100)).toEqual(Array(100).fill('pong'));
    expect(server.running).toBe(true);
    // Consul still sees it healthy.
    const checks = Object.values(await get<Record<string, AgentCheck>>('/v1/agent/checks')).filter((c) => c.ServiceID === svc.ID);
    expect(checks.map((c) => c.Status)).toEqual(['passing']);
  } finally {
    await server.stop();
  }
}, 30_000);

test.each<[NodeJS.Signals]>([['SIGTERM'], ['SIGINT']])(
  '%s: deregisters, closes and exits 0 within 2 s',
  async (signal) => {
    const server = startServer(['--restart-every', '0']);
    const svc = await waitFor(async () => (await servicesOf(server))[0], { what: 'registration' });
    const t0 = Date.now();
    const exit = await server.stop(signal, 5000);
    const took = Date.now() - t0;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(took).toBeLessThan(2000);
    // Nothing left behind: no service, no check.
    expect((await demoServices()).map((s) => s.ID)).not.toContain(svc.ID);
    expect(Object.values(await get<Record<string, AgentCheck>>('/v1/agent/checks')).filter((c) => c.ServiceID === svc.ID)).toEqual([]);
    await expect(talk(svc.Port, 'ping\n', 1)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    console.log(`consul-demo server: ${signal} → exit 0 in ${(took / 1000).toFixed(2)} s, registration gone`);
  },
  20_000,
);

test('SIGTERM in the middle of restarting still leaves no registration', async () => {
  const server = startServer(['--restart-every', '200ms', '--drain', '100ms']);
  await waitFor(() => serverEvents(server, 'registered').length >= 3, { timeoutMs: 10_000, what: 'a few restarts' });
  const exit = await server.stop('SIGTERM', 5000);
  expect(exit.code).toBe(0);
  // Give the agent a moment in case a registration raced the exit; there must be none of this process.
  await sleep(300);
  expect(await servicesOf(server)).toEqual([]);
}, 20_000);

test.each<[string, string[], NodeJS.ProcessEnv, RegExp]>([
  ['-version v3', ['server', '-version', 'v3'], {}, /'v3' is invalid/],
  ['unknown flag', ['client', '--bogus'], {}, /unknown option '--bogus'/],
  ['bad CONSUL_HTTP_ADDR', ['server'], { CONSUL_HTTP_ADDR: 'http://127.0.0.1:notaport' }, /CONSUL_HTTP_ADDR/],
  ['bad CONSUL_DNS_ADDR', ['client'], { CONSUL_DNS_ADDR: '127.0.0.1:0' }, /CONSUL_DNS_ADDR/],
  ['bad env var', ['server'], { DEMO_RESTART_EVERY: 'often' }, /DEMO_RESTART_EVERY/],
])(
  'bad input (%s): one line, exit 2, nothing left running',
  async (_name, args, env, message) => {
    const p = startProcess(process.execPath, [CLI, ...args], { name: 'demo-bad-input', env: demoEnv(consul(), env) });
    const exit = await p.exited;
    expect(exit.code).toBe(2);
    expect(p.stdoutLines).toEqual([]);
    expect(p.stderrLines).toHaveLength(1);
    expect(p.stderrLines[0]).toMatch(/^consul-demo: error: /);
    expect(p.stderrLines[0]).toMatch(message);
  },
  10_000,
);
