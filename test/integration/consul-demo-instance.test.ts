/**
 * consul-demo server --instance-file against a real Consul dev agent, as the built CLI (npm run build first):
 * the prefix in the file names this process's registrations and only those, and the README's healthcheck
 * one-liner says so with its exit code.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { consulGet } from '../harness/consul';
import { demoEnv } from '../harness/consulDemo';
import { useConsulDev } from '../harness/consulFixture';
import { distPath } from '../harness/paths';
import { ManagedProcess, startProcess } from '../harness/processes';
import { waitFor } from '../harness/waitFor';

const consul = useConsulDev();
let dir: string;
const CLI = distPath('services/consul-demo/cli.js');

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'demo-instance-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let serial = 0;
const startServer = (args: string[], env: NodeJS.ProcessEnv = {}): ManagedProcess =>
  startProcess(process.execPath, [CLI, 'server', '--bind', '127.0.0.1', '--log-format', 'json', ...args], {
    name: `demo-server-${++serial}`,
    env: demoEnv(consul(), env),
  });

/** The README's healthcheck, word for word except the agent's address (this test's Consul is not on 8500). */
const healthcheck = (file: string): string =>
  `const p=require('fs').readFileSync('${file}','utf8').trim();` +
  `fetch('http://127.0.0.1:8500/v1/health/service/consul-demo?passing')` +
  `.then(r=>r.json()).then(a=>process.exit(a.some(e=>e.Service.ID.startsWith(p+'-'))?0:1),()=>process.exit(1))`;

function runHealthcheck(file: string): Promise<number> {
  const script = healthcheck(file).replace('http://127.0.0.1:8500', consul().httpUrl);
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], { timeout: 10_000 }, (err) => {
      resolve(err ? Number((err as { code?: number }).code ?? 1) : 0);
    });
  });
}

const passingIds = async (): Promise<string[]> =>
  (await consulGet<Array<{ Service: { ID: string } }>>(consul(), '/v1/health/service/consul-demo?passing')).map((e) => e.Service.ID);

test('two servers each write their own prefix; the healthcheck passes for each only while it is registered', async () => {
  const fileA = path.join(dir, 'a');
  const fileB = path.join(dir, 'b');
  const a = startServer(['--instance-file', fileA, '--restart-every', '300ms', '--drain', '0']);
  // The env var works the same way.
  const b = startServer(['--restart-every', '0'], { DEMO_INSTANCE_FILE: fileB });
  try {
    const [prefixA, prefixB] = await waitFor(
      async () => {
        try {
          return [readFileSync(fileA, 'utf8'), readFileSync(fileB, 'utf8')];
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 10_000, what: 'both instance files' },
    );
    expect(prefixA).toMatch(new RegExp(`^consul-demo-[A-Za-z0-9-]+-${a.pid}-[0-9a-f]{4}\\n$`));
    expect(prefixB).toMatch(new RegExp(`^consul-demo-[A-Za-z0-9-]+-${b.pid}-[0-9a-f]{4}\\n$`));
    // Only the two files: the temporary one was renamed into place.
    expect(readdirSync(dir).sort()).toEqual(['a', 'b']);

    // A's incarnations all carry its prefix, across restarts.
    await waitFor(() => a.stderrLines.filter((l) => l.includes('"msg":"registered"')).length >= 3, {
      timeoutMs: 10_000,
      what: 'three incarnations of A',
    });
    const registeredA = a.stderrLines
      .filter((l) => l.includes('"msg":"registered"'))
      .map((l) => (JSON.parse(l) as { serviceId: string }).serviceId);
    for (const [i, id] of registeredA.entries()) expect(id).toBe(`${prefixA.trim()}-${i + 1}`);

    await waitFor(async () => (await passingIds()).some((id) => id.startsWith(`${prefixB.trim()}-`)), { what: 'B passing' });
    expect(await runHealthcheck(fileB)).toBe(0);

    // A stopped: its healthcheck fails, B's still passes (A's prefix matches none of B's IDs).
    await a.stop('SIGTERM', 5000);
    expect((await passingIds()).some((id) => id.startsWith(`${prefixA.trim()}-`))).toBe(false);
    expect(await runHealthcheck(fileA)).toBe(1);
    expect(await runHealthcheck(fileB)).toBe(0);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}, 40_000);

test('an instance file that cannot be written: one line, exit 2, nothing registered', async () => {
  const server = startServer(['--instance-file', path.join(dir, 'no-such-dir', 'instance'), '--restart-every', '0']);
  const exit = await server.exited;
  expect(exit.code).toBe(2);
  const lines = server.stderrLines.filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/--instance-file ".*no-such-dir\/instance": cannot write it \(ENOENT\)/);
  expect((await passingIds()).some((id) => id.includes(`-${server.pid}-`))).toBe(false);
}, 20_000);
