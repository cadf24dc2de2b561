/**
 * Issue 8 for consul-demo, against the built CLI (npm run build first) and a real Consul agent:
 * backpressure and connection limits, registrations that vanish when the agent restarts without its data,
 * fatal errors, and values the runtime cannot honour. Each test prints the figure it measured.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { consulGet } from '../harness/consul';
import { RestartableConsul, startRestartableConsul } from '../harness/consulRestart';
import { DemoConsul, demoEnv, listeningPort, logEvents, serverEvents, talk } from '../harness/consulDemo';
import { useRestartableConsul } from '../harness/consulFixture';
import { distPath } from '../harness/paths';
import { ManagedProcess, startProcess } from '../harness/processes';
import { sleep, waitFor } from '../harness/waitFor';

const CLI = distPath('services/consul-demo/cli.js');
const consul = useRestartableConsul();

let serial = 0;
function startServer(args: string[], opts: { env?: NodeJS.ProcessEnv; agent?: DemoConsul; ulimitFiles?: number } = {}): ManagedProcess {
  const argv = [CLI, 'server', '--bind', '127.0.0.1', '--log-format', 'json', ...args];
  const env = demoEnv(opts.agent ?? consul(), opts.env);
  const name = `demo-hardening-${++serial}`;
  if (opts.ulimitFiles === undefined) return startProcess(process.execPath, argv, { name, env });
  // `exec`: the shell becomes node, so the pid we stop (and read RSS of) is the server's.
  return startProcess('/bin/sh', ['-c', `ulimit -n ${opts.ulimitFiles} && exec "$0" "$@"`, process.execPath, ...argv], { name, env });
}

const agentServices = (agent: { httpUrl: string } = consul()): Promise<Record<string, { ID: string; Service: string; Port: number }>> =>
  consulGet(agent, '/v1/agent/services', 2000);
/** This process's registered instance, if any (IDs are consul-demo-<host>-<pid>-<4 hex>-<n>). */
const registeredIdOf = async (p: ManagedProcess, agent: { httpUrl: string } = consul()): Promise<string | undefined> =>
  Object.keys(await agentServices(agent)).find((id) => id.startsWith('consul-demo-') && id.includes(`-${p.pid}-`));

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

const closeEvents = (p: ManagedProcess) => logEvents(p).filter((e) => e.msg === 'closed a connection' || e.msg === 'closed connections');

describe('backpressure', () => {
  /*
   * The server stops reading at the first write that finds its buffer full. Whether the connection is then
   * closed at once for its backlog (the replies to the last read took it past --max-reply-backlog) or after
   * its replies have not moved for --idle-timeout depends on how large that read was: either way it holds
   * little and is closed. 2 s here (30 s by default).
   */
  test.each<[string, Buffer, string[], RegExp]>([
    // 1 byte in, 21 bytes out (`error: expected ping`): the backlog grows fastest.
    ['40 MiB of newlines', Buffer.alloc(64 * 1024, 0x0a), ['--idle-timeout', '2s'], /^(reply backlog over cap|replies not read)$/],
    // As many bytes out as in: a read's replies stay far below the cap; the stall closes it.
    ['40 MiB of "ping" lines', Buffer.from('ping\n'.repeat((64 * 1024) / 5)), ['--idle-timeout', '2s'], /^replies not read$/],
  ])(
    '%s sent without ever reading a reply: RSS stays low, the connection is closed, the server serves on',
    async (what, chunk, args, reason) => {
      const server = startServer(['-version', 'v1', '--restart-every', '0', ...args]);
      try {
        const port = await waitFor(() => listeningPort(server), { what: 'listening' });
        await waitFor(() => registeredIdOf(server), { what: 'registered' });
        const pid = server.pid!;
        const before = rssMb(pid);
        let peak = before;
        const sampler = setInterval(() => {
          if (server.running) peak = Math.max(peak, rssMb(pid));
        }, 50);
        const sock = net.connect({ host: '127.0.0.1', port });
        sock.on('error', () => undefined);
        let sent = 0;
        try {
          await new Promise((r) => sock.once('connect', r));
          sock.pause(); // never read
          // Bounded: at most 40 MiB, and we stop once our own writes have been stuck for 2 s (the server stopped reading).
          const total = 40 * 1024 * 1024;
          while (sent < total && !sock.destroyed) {
            sent += chunk.length;
            if (!sock.write(chunk)) {
              const moved = await Promise.race([
                new Promise<boolean>((r) => sock.once('drain', () => r(true))),
                sleep(2000).then(() => false),
              ]);
              if (!moved) break;
            }
          }
          await waitFor(() => closeEvents(server).length > 0, { timeoutMs: 15_000, what: 'the server closing the connection' });
          sock.resume(); // a paused socket only notices the close once it reads
          await Promise.race([new Promise((r) => sock.once('close', r)), sleep(5000)]);
          await sleep(1000); // RSS once the connection is gone
        } finally {
          clearInterval(sampler);
          sock.destroy();
        }
        const closed = closeEvents(server)[0]!;
        expect(closed.msg).toBe('closed a connection');
        expect(closed.reason).toMatch(reason);
        expect(sock.destroyed).toBe(true);
        expect(peak).toBeLessThan(200);
        // Everyone else is still served.
        expect(await talk(port, 'ping\n', 1)).toEqual(['pong']);
        expect(server.running).toBe(true);
        console.log(
          `consul-demo server, ${what} unread: RSS ${before.toFixed(0)} MB → peak ${peak.toFixed(0)} MB; client got ${(sent / 1048576).toFixed(1)} MiB out before the server stopped reading; closed: ${String(closed.reason)}`,
        );
      } finally {
        await server.stop();
      }
    },
    90_000,
  );
});

describe('connection limits', () => {
  test('at the open-file limit: the cap is lowered and said once, extra clients are refused (and counted), never an fd error; the server serves on', async () => {
    const server = startServer(['-version', 'v1', '--restart-every', '0', '--max-connections', '1000'], { ulimitFiles: 256 });
    const held: net.Socket[] = [];
    try {
      const port = await waitFor(() => listeningPort(server), { what: 'listening' });
      const lowered = await waitFor(() => serverEvents(server, 'max connections lowered to fit the open-file limit (ulimit -n)')[0], {
        what: 'the cap lowered',
      });
      expect(lowered).toMatchObject({ requested: 1000, maxConnections: 256 - 64, openFileLimit: 256 });
      const cap = lowered.maxConnections as number;

      // 300 idle clients, 20 at a time (bounded); each is either still open a moment later or was refused:
      // with our error line, or, in a burst larger than the file descriptors left over (~50 here), closed by
      // Node at once and logged as dropped.
      const refusedWith: string[] = [];
      for (let i = 0; i < 300; i += 20) {
        await Promise.all(
          Array.from({ length: 20 }, async () => {
            const s = net.connect({ host: '127.0.0.1', port });
            s.setEncoding('utf8');
            let got = '';
            s.on('data', (d: string) => (got += d));
            s.on('error', () => undefined);
            s.on('close', () => refusedWith.push(got));
            held.push(s);
            await new Promise((r) => s.once('connect', r));
          }),
        );
      }
      await sleep(1500);
      const open = held.filter((s) => !s.destroyed).length;
      expect(open).toBe(cap);
      expect(refusedWith).toHaveLength(300 - cap);
      const refused = refusedWith.length;
      const withLine = refusedWith.filter((r) => r === 'error: too many connections\n').length;
      expect(refusedWith.filter((r) => r !== '' && r !== 'error: too many connections\n')).toEqual([]);
      expect(withLine).toBeGreaterThan(0);
      expect(serverEvents(server, 'connection limit reached: refusing new connections')).toHaveLength(1);
      // Every refusal is counted: the first line, then the summary at the end of its 10 s window.
      const summary = await waitFor(() => serverEvents(server, 'connections refused at the limit')[0], {
        timeoutMs: 15_000,
        what: 'the refusal summary',
      });
      // (Plus Consul's own TCP check, once a second: a full server is refused to it too, and turns critical.)
      expect((summary.count as number) + 1).toBeGreaterThanOrEqual(300 - cap);
      expect(serverEvents(server, 'cannot accept connections: out of file descriptors')).toHaveLength(0);
      // A slot frees: a new client is served.
      for (const s of held.splice(0, 10)) s.destroy();
      await sleep(300);
      expect(await talk(port, 'ping\n', 1)).toEqual(['pong']);
      console.log(
        `consul-demo server under ulimit -n 256, --max-connections 1000: cap ${cap}; 300 clients → ${open} served, ${refused} refused ` +
          `(${withLine} with "error: too many connections", ${refused - withLine} dropped in bursts); 2 log lines: ${JSON.stringify(summary.refused)}`,
      );
    } finally {
      for (const s of held) s.destroy();
      await server.stop();
    }
  }, 60_000);

  test('1000 idle connections timing out together: two log lines, not a thousand', async () => {
    const server = startServer(['-version', 'v1', '--restart-every', '0', '--idle-timeout', '1s']);
    const socks: net.Socket[] = [];
    try {
      const port = await waitFor(() => listeningPort(server), { what: 'listening' });
      let closed = 0;
      for (let i = 0; i < 1000; i += 100) {
        await Promise.all(
          Array.from({ length: 100 }, async () => {
            const s = net.connect({ host: '127.0.0.1', port });
            s.on('error', () => undefined);
            s.on('close', () => closed++);
            s.resume(); // read (and drop) the server's line, so that its close reaches us
            socks.push(s);
            await new Promise((r) => s.once('connect', r));
          }),
        );
      }
      await waitFor(() => closed === 1000, { timeoutMs: 20_000, what: 'all 1000 closed by the idle timeout' });
      // The summary comes at the end of its 10 s window.
      const summary = await waitFor(() => serverEvents(server, 'closed connections')[0], { timeoutMs: 15_000, what: 'the summary line' });
      expect(serverEvents(server, 'closed a connection')).toHaveLength(1);
      expect(summary).toMatchObject({ count: 999, reasons: { 'idle timeout': 999 } });
      expect(closeEvents(server)).toHaveLength(2);
      console.log(`consul-demo server: 1000 idle connections closed → ${closeEvents(server).length} log lines`);
    } finally {
      for (const s of socks) s.destroy();
      await server.stop();
    }
  }, 90_000);
});

describe('registrations that vanish', () => {
  test('the agent restarts without its data: a server that never restarts (and one that rarely does) registers again within 5 s, one line each', async () => {
    const never = startServer(['--restart-every', '0']);
    const rarely = startServer(['--restart-every', '10m']);
    try {
      const ids = await Promise.all(
        [never, rarely].map((p) => waitFor(() => registeredIdOf(p), { timeoutMs: 15_000, what: 'registered' })),
      );
      const { stoppedAt, readyAt } = await consul().restart();
      expect(await registeredIdOf(never).catch(() => undefined)).toBeUndefined(); // forgotten, as the issue saw
      const backAt = await Promise.all(
        [never, rarely].map((p, i) =>
          waitFor(async () => ((await registeredIdOf(p)) === ids[i] ? Date.now() : undefined), {
            timeoutMs: 10_000,
            intervalMs: 50,
            what: `${p.name} registered again`,
          }),
        ),
      );
      for (const t of backAt) expect(t - readyAt).toBeLessThan(5000);
      await sleep(1500);
      for (const p of [never, rarely]) {
        const again = logEvents(p).filter((e) => e.msg.startsWith('registration was missing from the local agent'));
        expect(again).toHaveLength(1);
        // Only that line about it: a quick agent restart is not also reported as an outage.
        expect(logEvents(p).filter((e) => e.msg.includes('Consul agent'))).toEqual([]);
      }
      const secs = backAt.map((t) => ((t - readyAt) / 1000).toFixed(1));
      console.log(
        `consul-demo server: agent down ${((readyAt - stoppedAt) / 1000).toFixed(1)} s; registered again ${secs.join(' s / ')} s after the agent was back (--restart-every 0 / 10m)`,
      );
    } finally {
      await Promise.all([never.stop(), rarely.stop()]);
    }
  }, 90_000);
});

describe('fatal errors end the process', () => {
  test('Consul refuses the registration for good (ACLs deny, 403): listener closed, one line, exit 1 at once', async () => {
    const acl = await startRestartableConsul({ extraHcl: ['acl { enabled = true  default_policy = "deny" }'] });
    try {
      const t0 = Date.now();
      const server = startServer(['--restart-every', '0'], { agent: acl });
      const port = await waitFor(() => listeningPort(server), { what: 'listening' });
      const exit = await Promise.race([server.exited, sleep(15_000).then(() => undefined)]);
      const took = Date.now() - t0;
      expect(exit).toEqual({ code: 1, signal: null });
      const fatal = serverEvents(server, 'fatal error, shutting down');
      expect(fatal).toHaveLength(1);
      expect(String(fatal[0]!.error)).toMatch(/[Pp]ermission denied/);
      // Not retried: retrying cannot help, and the process must not linger unregistered.
      expect(serverEvents(server, 'registration failed, retrying')).toEqual([]);
      expect(serverEvents(server, 'closed')).toHaveLength(1);
      await expect(talk(port, 'ping\n', 1)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      console.log(
        `consul-demo server, registration refused (403): exit ${exit!.code} after ${(took / 1000).toFixed(2)} s, listener closed`,
      );
    } finally {
      await acl.stop();
    }
  }, 60_000);
});

describe('addresses', () => {
  let v6: RestartableConsul | undefined;
  afterAll(async () => {
    await v6?.stop();
  });

  test('CONSUL_HTTP_ADDR=[::1]:port works for the server and the client', async () => {
    v6 = await startRestartableConsul({ clientAddr: '::1' });
    expect(v6.httpAddr).toMatch(/^\[::1\]:\d+$/);
    const server = startServer(['-version', 'v2', '--restart-every', '0'], { agent: v6 });
    try {
      await waitFor(() => registeredIdOf(server, v6!), { timeoutMs: 15_000, what: 'registered through [::1]' });
      const client = startProcess(
        process.execPath,
        [CLI, 'client', '--discovery', 'http', '--count', '3', '--interval', '100ms', '--json'],
        {
          name: 'demo-client-v6',
          env: demoEnv(v6),
        },
      );
      const exit = await client.exited;
      expect(exit.code).toBe(0);
      const results = client.stdoutLines
        .filter((l) => l.startsWith('{"ts"'))
        .map((l) => JSON.parse(l) as { ok: boolean; protocol: string });
      expect(results).toHaveLength(3);
      expect(results.every((r) => r.ok && r.protocol === 'v2')).toBe(true);
    } finally {
      await server.stop();
    }
  }, 60_000);

  test.each<[string, string, RegExp]>([
    ['unclosed bracket', '[::1:8500', /CONSUL_HTTP_ADDR/],
    ['IPv6 without brackets and a port', '::1:8500', /CONSUL_HTTP_ADDR/],
    ['credentials in the address', 'http://demo:s3cr3t-pw@127.0.0.1:8500', /CONSUL_HTTP_ADDR/],
  ])(
    'CONSUL_HTTP_ADDR with %s: exit 2 at once, one line naming it, no credentials echoed',
    async (_what, value, message) => {
      const t0 = Date.now();
      const p = startServer(['--restart-every', '0'], { env: { CONSUL_HTTP_ADDR: value } });
      const exit = await p.exited;
      const took = Date.now() - t0;
      expect(exit.code).toBe(2);
      expect(p.stderrLines).toHaveLength(1);
      expect(p.stderrLines[0]).toMatch(/^consul-demo: error: /);
      expect(p.stderrLines[0]).toMatch(message);
      expect(p.output()).not.toContain('s3cr3t-pw');
      expect(took).toBeLessThan(5000);
    },
    15_000,
  );
});

describe('values the runtime cannot honour: one line, exit 2, before anything starts', () => {
  test.each<[string, string[], NodeJS.ProcessEnv, RegExp]>([
    ['--restart-every 99999999999m', ['server', '--restart-every', '99999999999m'], {}, /--restart-every: "99999999999m" is out of range/],
    ['--drain 99999999999m', ['server', '--drain', '99999999999m'], {}, /--drain: "99999999999m" is out of range/],
    ['--idle-timeout 99999999999m', ['server', '--idle-timeout', '99999999999m'], {}, /--idle-timeout: "99999999999m" is out of range/],
    ['--line-timeout 30d', ['server', '--line-timeout', '43200m'], {}, /--line-timeout: "43200m" is out of range/],
    ['--max-connections 0', ['server', '--max-connections', '0'], {}, /--max-connections: expected a whole number from 1 to 1000000/],
    ['--max-reply-backlog 1', ['server', '--max-reply-backlog', '1'], {}, /--max-reply-backlog: "1" is out of range/],
    ['DEMO_IDLE_TIMEOUT=99999999999m', ['server'], { DEMO_IDLE_TIMEOUT: '99999999999m' }, /from env 'DEMO_IDLE_TIMEOUT' is invalid/],
    ['client --interval 99999999999m', ['client', '--interval', '99999999999m'], {}, /--interval: "99999999999m" is out of range/],
    ['client --timeout 99999999999m', ['client', '--timeout', '99999999999m'], {}, /--timeout: "99999999999m" is out of range/],
    ['client --count 1e21', ['client', '--count', '1e21'], {}, /--count: expected a whole number/],
  ])(
    '%s',
    async (what, args, env, message) => {
      const t0 = Date.now();
      const p = startProcess(process.execPath, [CLI, ...args], { name: 'demo-bad-value', env: demoEnv(consul(), env) });
      const exit = await p.exited;
      const took = Date.now() - t0;
      expect(exit.code).toBe(2);
      expect(p.stdoutLines).toEqual([]);
      expect(p.stderrLines).toHaveLength(1);
      expect(p.stderrLines[0]).toMatch(/^consul-demo: error: /);
      expect(p.stderrLines[0]).toMatch(message);
      expect(took).toBeLessThan(5000);
      console.log(`consul-demo ${what}: exit ${exit.code} in ${(took / 1000).toFixed(2)} s`);
    },
    15_000,
  );
});
