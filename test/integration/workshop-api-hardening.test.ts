// Issue 8 (hardening) for workshop-api, against the built CLI (dist/) and real Consul agents on loopback:
// vanished registrations come back within 5 s with one log line; bad values end the program up front (exit 2,
// one line naming the flag or variable); fatal errors stop the HTTP server and exit non-zero; an IPv6 agent works.
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RestartableConsul, startRestartableConsul } from '../harness/consulRestart';
import { distPath } from '../harness/paths';
import { freePort } from '../harness/ports';
import { ManagedProcess, startProcess, stopAllProcesses } from '../harness/processes';
import { sleep, waitFor } from '../harness/waitFor';
import { startWorkshopApi } from '../harness/workshopApi';

const dir = mkdtempSync(path.join(os.tmpdir(), 'workshop-hardening-'));
const agents: RestartableConsul[] = [];

// Each test's agent goes when the test ends (pass or fail); the processes it started first, so none of them
// spends its last seconds retrying against a vanished agent.
afterEach(async () => {
  await stopAllProcesses();
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function consul(opts: Parameters<typeof startRestartableConsul>[0] = {}): Promise<RestartableConsul> {
  const a = await startRestartableConsul(opts);
  agents.push(a);
  return a;
}

async function agentService(agent: RestartableConsul, id: string): Promise<{ Address: string; Port: number } | undefined> {
  const res = await fetch(`${agent.httpUrl}/v1/agent/service/${id}`, { signal: AbortSignal.timeout(2000) });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`agent/service/${id}: HTTP ${res.status}`);
  return (await res.json()) as { Address: string; Port: number };
}

/** The workshop-api's own log lines (timestamped), not the process's other output. */
const logLines = (p: ManagedProcess): string[] => p.stderrLines.filter((l) => /^\d{4}-\d\d-\d\dT.* workshop-api /.test(l));

/** Run the CLI to its end; a process that outlives `capMs` is killed and reported as code null. */
async function runToEnd(
  args: string[],
  env: NodeJS.ProcessEnv,
  capMs = 20_000,
): Promise<{ code: number | null; output: string; seconds: number }> {
  const t0 = Date.now();
  const proc = startProcess(process.execPath, [distPath('services/workshop-api/cli.js'), '--bind', '127.0.0.1', ...args], {
    name: 'workshop-cli',
    env: { ...process.env, WORKSHOP_HOST: '127.0.0.1', WORKSHOP_NAME: 'bad', WORKSHOP_PORT: String(await freePort()), ...env },
  });
  const timer = setTimeout(() => proc.signal('SIGKILL'), capMs);
  const { code } = await proc.exited;
  clearTimeout(timer);
  return { code, output: proc.output(), seconds: (Date.now() - t0) / 1000 };
}

describe('a registration that vanishes (agent restarted without its data)', () => {
  // 0: a dev agent restarts in ~0.2 s; 5 s: about what recreating a lab agent's container takes.
  test.each([0, 5000])(
    'comes back within 5 s of the agent answering, with ONE log line, by default (no flag); agent down %i ms + start-up',
    async (downMs) => {
      const agent = await consul();
      const a = await startWorkshopApi(`vanish${downMs}`, { consulHttpAddr: agent.httpAddr });
      expect(await agentService(agent, a.id)).toMatchObject({ Port: a.port });
      const before = logLines(a.process).length;

      const { stoppedAt, readyAt } = await agent.restart({ downMs });
      const back = await waitFor(async () => ((await agentService(agent, a.id)) ? Date.now() : undefined), {
        timeoutMs: 15_000,
        intervalMs: 100,
        what: 'the registration back in the restarted agent',
      });
      const seconds = (back - readyAt) / 1000;
      console.log(
        `re-registered ${seconds.toFixed(2)} s after the agent answered again (agent down ${((readyAt - stoppedAt) / 1000).toFixed(2)} s)`,
      );
      expect(seconds).toBeLessThanOrEqual(5);

      // Give a late second line the chance to appear before counting.
      await sleep(2500);
      const added = logLines(a.process).slice(before);
      expect(added).toHaveLength(1);
      expect(added[0]).toMatch(/WARN .*registration was missing from the local agent; registered again/);
      expect(a.process.running).toBe(true);
      expect((await fetch(`${a.url}/health`)).status).toBe(200);
      await a.process.stop('SIGTERM');
    },
    60_000,
  );
});

describe('fatal errors end the process', () => {
  test('another instance takes our ID while we run: HTTP server closed, exit 1 with one line, its registration left alone', async () => {
    const agent = await consul();
    const a = await startWorkshopApi('taken', { consulHttpAddr: agent.httpAddr, args: ['--reregister-interval', '1s'] });
    const otherPort = await freePort();
    // Another registrant (by hand, through the real agent) puts the same ID at another address.
    const res = await fetch(`${agent.httpUrl}/v1/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({ Name: 'workshop', ID: a.id, Address: '127.0.0.1', Port: otherPort }),
    });
    expect(res.status).toBe(200);
    const t0 = Date.now();
    const { code } = await a.process.exited;
    console.log(`ID taken over: exit ${code} after ${((Date.now() - t0) / 1000).toFixed(2)} s`);
    expect(code).toBe(1);
    const errors = a.process.stderrLines.filter((l) => l.startsWith('workshop-api: error: '));
    expect(errors).toEqual([
      expect.stringMatching(/service ID "workshop-taken" is now registered by another instance at "127\.0\.0\.1:\d+"/),
    ]);
    await expect(fetch(`${a.url}/health`)).rejects.toThrow();
    expect(await agentService(agent, a.id)).toMatchObject({ Port: otherPort });
  }, 60_000);
});

describe('the agent refuses the registration', () => {
  test("HTTP 403 (ACLs deny, no token): exit 1 at once with the agent's reason, HTTP server closed", async () => {
    // Reads stay allowed-but-filtered for the anonymous token, so the ID check passes and the register call is denied.
    const agent = await consul({ extraHcl: ['acl { enabled = true  default_policy = "deny" }'] });
    const port = await freePort();
    const r = await runToEnd([], { CONSUL_HTTP_ADDR: agent.httpAddr, WORKSHOP_NAME: 'denied', WORKSHOP_PORT: String(port) }, 60_000);
    console.log(`registration refused (403): exit ${r.code} after ${r.seconds.toFixed(2)} s`);
    expect(r.code).toBe(1);
    expect(r.output).not.toMatch(/retrying/);
    expect(r.output).toMatch(
      /workshop-api: error: the Consul agent at http:\/\/127\.0\.0\.1:\d+ refused the registration \(HTTP 403\): .*[Pp]ermission denied/,
    );
    expect(r.seconds).toBeLessThan(10);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  }, 90_000);
});

describe('IPv6 loopback agent', () => {
  test.each(['[::1]:PORT', 'http://[::1]:PORT'])(
    'CONSUL_HTTP_ADDR=%s registers, and SIGTERM deregisters and exits 0',
    async (form) => {
      const agent = await consul({ clientAddr: '::1' });
      const addr = form.replace('[::1]:PORT', agent.httpAddr);
      const a = await startWorkshopApi(`six${form.startsWith('http') ? 'h' : 'b'}`, { consulHttpAddr: addr });
      expect(await agentService(agent, a.id)).toMatchObject({ Port: a.port });
      expect(a.process.output()).toContain(`consul=http://${agent.httpAddr}`);
      const { code } = await a.process.stop('SIGTERM', 15_000);
      expect(code).toBe(0);
      expect(await agentService(agent, a.id)).toBeUndefined();
    },
    60_000,
  );
});

describe('bad values: refused up front, exit 2, one line naming the flag or variable', () => {
  const huge = (): string => {
    // 200 MB, sparse: the size check reads stat, so the test needs no 200 MB of disk.
    const p = path.join(dir, 'huge.json5');
    const fd = openSync(p, 'w');
    ftruncateSync(fd, 200 * 1024 * 1024);
    closeSync(fd);
    return p;
  };
  const justOver = (): string => {
    const p = path.join(dir, 'over.json5');
    writeFileSync(p, `{ name: "x" }`.padEnd(1024 * 1024 + 1, ' '));
    return p;
  };
  const cases: Array<[string, () => string[], NodeJS.ProcessEnv, RegExp]> = [
    ['--drain-delay 30 days', () => ['--drain-delay', '2592000s'], {}, /--drain-delay: "2592000s" is out of range \(allowed: 0s to 2m\)/],
    ['--drain-delay 25 days', () => ['--drain-delay', '36000m'], {}, /--drain-delay: "36000m" is out of range/],
    ['--check-interval 0', () => ['--check-interval', '0'], {}, /--check-interval: "0" is out of range \(allowed: 1s to 10m\)/],
    [
      'WORKSHOP_CHECK_INTERVAL=0',
      () => [],
      { WORKSHOP_CHECK_INTERVAL: '0' },
      /^workshop-api: error: WORKSHOP_CHECK_INTERVAL: "0" is out of range \(allowed: 1s to 10m\)/,
    ],
    ['--check-interval 30 days', () => ['--check-interval', '2592000s'], {}, /--check-interval: "2592000s" is out of range/],
    ['--check-timeout 0', () => ['--check-timeout', '0'], {}, /--check-timeout: "0" is out of range \(allowed: 100ms to 1m\)/],
    [
      '--reregister-interval 30 days',
      () => ['--reregister-interval', '2592000s'],
      {},
      /--reregister-interval: "2592000s" is out of range \(allowed: 0 \(off\) or 500ms to 1m\)/,
    ],
    ['--reregister-interval 1ms', () => ['--reregister-interval', '1ms'], {}, /--reregister-interval: "1ms" is out of range/],
    [
      '--deregister-after 1s',
      () => ['--deregister-after', '1s'],
      {},
      /--deregister-after: "1s" is out of range \(allowed: 0 \(off\) or 1m to 24h\)/,
    ],
    [
      '--register-attempts 1e20',
      () => ['--register-attempts', '99999999999999999999'],
      {},
      /--register-attempts: expected a whole number from 1 to 1000/,
    ],
    [
      '--success-before-passing 1e20',
      () => ['--success-before-passing', '99999999999999999999'],
      {},
      /--success-before-passing: expected a whole number from 1 to 100/,
    ],
    [
      '--failures-before-critical 0',
      () => ['--failures-before-critical', '0'],
      {},
      /--failures-before-critical: expected a whole number from 1 to 100/,
    ],
    ['CONSUL_HTTP_ADDR unbracketed IPv6', () => [], { CONSUL_HTTP_ADDR: '::1:8500' }, /^workshop-api: error: CONSUL_HTTP_ADDR: /],
    [
      'CONSUL_HTTP_ADDR with a path',
      () => [],
      { CONSUL_HTTP_ADDR: 'http://127.0.0.1:8500/v1' },
      /^workshop-api: error: CONSUL_HTTP_ADDR: /,
    ],
    [
      'CONSUL_HTTP_ADDR with credentials',
      () => [],
      { CONSUL_HTTP_ADDR: 'http://user:hunter2secret@127.0.0.1:8500' },
      /^workshop-api: error: CONSUL_HTTP_ADDR: credentials .*\[redacted\]@127\.0\.0\.1:8500/,
    ],
    ['config 1 MiB + 1 byte', () => ['--config', justOver()], {}, /over\.json5: config file too large \(1048577 bytes; the limit is 1 MiB/],
    ['config 200 MB', () => ['--config', huge()], {}, /huge\.json5: config file too large \(209715200 bytes; the limit is 1 MiB/],
  ];
  test.each(cases)(
    '%s',
    async (what, args, env, re) => {
      const r = await runToEnd(args(), { CONSUL_HTTP_ADDR: '127.0.0.1:1', ...env });
      console.log(`${what}: exit ${r.code} after ${r.seconds.toFixed(2)} s`);
      const lines = r.output.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^workshop-api: /);
      expect(lines[0]).toMatch(re);
      expect(r.output).not.toContain('hunter2secret');
      expect(r.code).toBe(2);
      expect(r.seconds).toBeLessThan(10);
    },
    30_000,
  );
});
