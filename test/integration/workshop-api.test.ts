// workshop-api as built (dist/), against a real Consul dev agent on loopback.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HealthServiceEntry } from '../../services/shared/consul/health';
import { consulGet } from '../harness/consul';
import { useConsulDev } from '../harness/consulFixture';
import { distPath } from '../harness/paths';
import { freePort } from '../harness/ports';
import { ManagedProcess, startProcess } from '../harness/processes';
import { sleep, waitFor } from '../harness/waitFor';
import { startWorkshopApi } from '../harness/workshopApi';

const TOKEN = 'ghp_integrationSecret_7Qx9Zr2Lk4Mn8Pw';
const consul = useConsulDev();
const started: ManagedProcess[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'workshop-it-'));

async function api(name: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const inst = await startWorkshopApi(name, { consulHttpAddr: consul().httpAddr, args, env: { WORKSHOP_TOKEN: TOKEN, ...env } });
  started.push(inst.process);
  return inst;
}

/** Run the CLI to completion (bad input must end it quickly). */
async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string; proc: ManagedProcess }> {
  const proc = startProcess(process.execPath, [distPath('services/workshop-api/cli.js'), ...args], {
    name: 'workshop-cli',
    env: { ...process.env, CONSUL_HTTP_ADDR: consul().httpAddr, WORKSHOP_HOST: '127.0.0.1', ...env },
  });
  started.push(proc);
  const timer = setTimeout(() => proc.signal('SIGKILL'), 30_000);
  const { code } = await proc.exited;
  clearTimeout(timer);
  return { code, output: proc.output(), proc };
}

const get = <T>(p: string): Promise<T> => consulGet<T>(consul(), p);

async function serviceStatus(id: string): Promise<string | undefined> {
  const entries = await get<HealthServiceEntry[]>('/v1/health/service/workshop');
  const e = entries.find((x) => x.Service.ID === id);
  if (!e) return undefined;
  return e.Checks.every((c) => c.Status === 'passing') ? 'passing' : 'critical';
}

test('registers Name workshop, ID workshop-<name>, Address, Port, Meta, and an HTTP check attached to the service', async () => {
  const a = await api('alice', ['--check-interval', '1s', '--success-before-passing', '1', '--failures-before-critical', '2']);
  const svc = await get<{ ID: string; Service: string; Address: string; Port: number; Meta: Record<string, string> }>(
    `/v1/agent/service/${a.id}`,
  );
  expect(svc).toMatchObject({
    ID: 'workshop-alice',
    Service: 'workshop',
    Address: '127.0.0.1',
    Port: a.port,
    Meta: { name: 'alice', host: os.hostname() },
  });
  const checks = await get<Record<string, { ServiceID: string; Type: string; Status: string }>>('/v1/agent/checks');
  const mine = Object.values(checks).filter((c) => c.ServiceID === a.id);
  expect(mine).toHaveLength(1);
  expect(mine[0]!.Type).toBe('http');
  // No check of ours at node level (ServiceID ""): that would mark every service on the node unhealthy.
  expect(Object.values(checks).filter((c) => c.ServiceID === '')).toHaveLength(0);
  await waitFor(async () => (await serviceStatus(a.id)) === 'passing', { timeoutMs: 10_000, what: 'alice passing' });

  const root = await fetch(`${a.url}/`);
  const body = await root.text();
  expect(JSON.parse(body)).toMatchObject({ name: 'alice', id: 'workshop-alice' });
  expect(body).not.toContain(TOKEN);
  const avatar = await fetch(`${a.url}/avatar`);
  expect(avatar.headers.get('content-type')).toMatch(/^image\//);
  expect((await fetch(`${a.url}/health`)).status).toBe(200);
}, 30_000);

test('another live instance already holds the ID → clear error, non-zero exit, nothing left running', async () => {
  const port = await freePort();
  const r = await runCli(['--bind', '127.0.0.1'], { WORKSHOP_NAME: 'alice', WORKSHOP_PORT: String(port), WORKSHOP_TOKEN: TOKEN });
  expect(r.code).toBe(1);
  expect(r.output).toMatch(
    /workshop-api: error: service ID "workshop-alice" is already registered by a live instance at "127\.0\.0\.1:\d+"/,
  );
  // The port it briefly listened on is free again.
  await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
}, 30_000);

test('SIGTERM: /health turns 503, the service is deregistered at once, in-flight work finishes, exit 0 within a few seconds', async () => {
  const b = await api('bert', ['--drain-delay', '2s']);
  await waitFor(async () => (await serviceStatus(b.id)) === 'passing', { timeoutMs: 10_000, what: 'bert passing' });
  const t0 = Date.now();
  b.process.signal('SIGTERM');
  await waitFor(async () => (await fetch(`${b.url}/health`)).status === 503, { timeoutMs: 2000, what: '/health 503' });
  await waitFor(async () => (await serviceStatus(b.id)) === undefined, { timeoutMs: 2000, what: 'bert deregistered' });
  const deregS = (Date.now() - t0) / 1000;
  // Still serving during the drain delay (Nginx is reloading without it meanwhile).
  expect((await fetch(`${b.url}/`)).status).toBe(200);
  const { code } = await b.process.exited;
  const exitS = (Date.now() - t0) / 1000;
  console.log(`SIGTERM: deregistered after ${deregS.toFixed(2)} s, exited (code ${code}) after ${exitS.toFixed(2)} s`);
  expect(code).toBe(0);
  expect(exitS).toBeLessThan(8);
}, 30_000);

test('--no-check + SIGKILL: Consul keeps saying the dead instance is fine (the lesson)', async () => {
  const c = await api('carl', ['--no-check']);
  expect(await serviceStatus(c.id)).toBe('passing');
  const checks = await get<Record<string, { ServiceID: string }>>('/v1/agent/checks');
  expect(Object.values(checks).filter((x) => x.ServiceID === c.id)).toHaveLength(0);
  await c.process.stop('SIGKILL');
  await expect(fetch(`${c.url}/health`)).rejects.toThrow(); // really dead
  await sleep(6000); // three default check intervals
  expect(await serviceStatus(c.id)).toBe('passing');
  // Same lesson with a check: SIGKILL → critical.
  const d = await api('dora', ['--check-interval', '1s']);
  await waitFor(async () => (await serviceStatus(d.id)) === 'passing', { timeoutMs: 10_000, what: 'dora passing' });
  await d.process.stop('SIGKILL');
  await waitFor(async () => (await serviceStatus(d.id)) === 'critical', { timeoutMs: 10_000, what: 'dora critical' });
}, 45_000);

test('an agent that lost the registration (e.g. recreated) gets it back: the instance re-registers itself', async () => {
  const f = await api('fern', ['--reregister-interval', '1s']);
  await waitFor(async () => (await serviceStatus(f.id)) === 'passing', { timeoutMs: 10_000, what: 'fern passing' });
  const res = await fetch(`${consul().httpUrl}/v1/agent/service/deregister/${f.id}`, { method: 'PUT' });
  expect(res.status).toBe(200);
  expect(await serviceStatus(f.id)).toBeUndefined();
  await f.process.waitForLine(/registration was missing from the local agent; registered again/, 5000);
  await waitFor(async () => (await serviceStatus(f.id)) === 'passing', { timeoutMs: 10_000, what: 'fern passing again' });
  expect(f.process.running).toBe(true);
}, 30_000);

test('Consul agent unreachable: a log line per attempt, then a clear error and a non-zero exit', async () => {
  const dead = await freePort();
  const r = await runCli(['--bind', '127.0.0.1', '--register-attempts', '3'], {
    CONSUL_HTTP_ADDR: `127.0.0.1:${dead}`,
    WORKSHOP_NAME: 'eve',
    WORKSHOP_PORT: String(await freePort()),
    WORKSHOP_TOKEN: TOKEN,
  });
  expect(r.code).toBe(1);
  expect(r.output.match(/Consul agent not reachable, retrying/g)).toHaveLength(2);
  expect(r.output).toMatch(
    new RegExp(`workshop-api: error: cannot register with the Consul agent at http://127\\.0\\.0\\.1:${dead} after 3 attempts`),
  );
}, 30_000);

describe('bad input → one line naming the file and field, exit 2, token never shown', () => {
  const write = (name: string, text: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const cases: Array<[string, () => string, RegExp]> = [
    ['JSON5 syntax error', () => write('syntax.json5', `{ name: "x", token: "${TOKEN}" port: 1 }`), /syntax\.json5: invalid JSON5/],
    ['missing name', () => write('noname.json5', `{ token: "${TOKEN}", port: 3001 }`), /noname\.json5: field "name": required/],
    [
      'port out of range',
      () => write('port.json5', `{ name: "x", token: "${TOKEN}", port: 0 }`),
      /port\.json5: field "port": must be 1-65535/,
    ],
    [
      'unknown field',
      () => write('unknown.json5', `{ name: "x", token: "${TOKEN}", tokn: "${TOKEN}" }`),
      /unknown\.json5: unknown field "tokn"/,
    ],
    ['unreadable path', () => path.join(dir, 'missing.json5'), /missing\.json5: cannot read config: file not found/],
  ];
  test.each(cases)(
    '%s',
    async (_what, makeFile, re) => {
      const r = await runCli(['--config', makeFile()], { WORKSHOP_TOKEN: TOKEN });
      expect(r.code).toBe(2);
      const lines = r.output.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^workshop-api: error: /);
      expect(lines[0]).toMatch(re);
    },
    20_000,
  );

  test('bad flag value', async () => {
    const r = await runCli(['--check-interval', 'soon']);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/--check-interval/);
  }, 20_000);
});

test('the token never appears in any output of any process this file started', () => {
  expect(started.length).toBeGreaterThan(8);
  for (const p of started) expect(p.output()).not.toContain(TOKEN);
});
