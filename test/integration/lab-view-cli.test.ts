// lab-view as built: what it says and does at the edges, with no Consul at all (no browser needed).
import net from 'node:net';
import { EXERCISES, ROOM_EXERCISE } from '../../services/exercises';
import { distPath } from '../harness/paths';
import { freePort } from '../harness/ports';
import { type ManagedProcess, startProcess, stopAllProcesses } from '../harness/processes';
import { waitFor } from '../harness/waitFor';

afterAll(async () => {
  await stopAllProcesses();
});

function start(args: string[], env: NodeJS.ProcessEnv = {}): ManagedProcess {
  return startProcess(process.execPath, [distPath('services/lab-view/cli.js'), ...args], {
    name: 'lab-view',
    env: { ...process.env, LAB_VIEW_PORT: '', LAB_VIEW_BIND: '', LAB_VIEW_DEMO_RESULTS: '', ...env },
  });
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; lines: string[] }> {
  const p = start(args, env);
  const timer = setTimeout(() => p.signal('SIGKILL'), 20_000);
  const { code } = await p.exited;
  clearTimeout(timer);
  return { code, lines: [...p.stdoutLines, ...p.stderrLines].filter((l) => l.trim() !== '') };
}

test.each([
  [['--port', '70000'], {}, /^lab-view: .*--port: port must be an integer 1-65535/],
  [[], { LAB_VIEW_DEMO_RESULTS: 'file:///etc/passwd' }, /^lab-view: error: LAB_VIEW_DEMO_RESULTS: expected an http/],
  [['--nope'], {}, /^lab-view: error: unknown option '--nope'/],
])(
  'bad input %j %j: one line, exit 2',
  async (args, env, re) => {
    const r = await run(args as string[], env as NodeJS.ProcessEnv);
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(re as RegExp);
  },
  30_000,
);

test('port taken: one line naming it, exit 1', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const r = await run(['--bind', '127.0.0.1', '--port', String(port)], { CONSUL_HTTP_ADDR: `127.0.0.1:${await freePort()}` });
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([`lab-view: error: cannot listen on 127.0.0.1:${port}: EADDRINUSE`]);
  } finally {
    blocker.close();
  }
}, 30_000);

test('no Consul: serves the page and says "not reachable" in its state; SIGTERM ends it with 0', async () => {
  const port = await freePort();
  const p = start(['--bind', '127.0.0.1', '--port', String(port), '--demo-results', `http://127.0.0.1:${await freePort()}/results`], {
    CONSUL_HTTP_ADDR: `127.0.0.1:${await freePort()}`,
  });
  await p.waitForLine(/listening/, 15_000);
  const page = await fetch(`http://127.0.0.1:${port}/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(await page.text()).toContain('<script src="app.js"');
  const state = await waitFor(
    async () => {
      const s = (await (await fetch(`http://127.0.0.1:${port}/api/state`)).json()) as {
        consul: { reachable: boolean; error: string | null };
        demo: { client: { configured: boolean; reachable: boolean; error: string | null } };
      };
      return s.consul.error !== 'not asked yet' && s.demo.client.error !== null ? s : undefined;
    },
    { timeoutMs: 10_000, what: 'first poll' },
  );
  expect(state.consul.reachable).toBe(false);
  expect(state.demo.client).toMatchObject({ configured: true, reachable: false });
  // The lab:check checklist, judged on what could be read: without Consul nothing passes, and it says why.
  const checks = (await (await fetch(`http://127.0.0.1:${port}/api/checks`)).json()) as {
    exercises: Array<{ id: string; checks: Array<{ ok: boolean; hint: string }> }>;
  };
  // Every exercise but the room's, which the view draws in its own room section.
  expect(checks.exercises.map((e) => e.id)).toEqual(EXERCISES.map((e) => e.id).filter((id) => id !== ROOM_EXERCISE));
  const lab = checks.exercises.find((e) => e.id === 'lab')!;
  expect(lab.checks.some((c) => !c.ok)).toBe(true);
  await p.waitForLine(/Consul not reachable; will keep trying/, 10_000);
  const t0 = Date.now();
  const { code } = await p.stop('SIGTERM', 8000);
  expect(code).toBe(0);
  expect(Date.now() - t0).toBeLessThan(6000);
}, 60_000);
