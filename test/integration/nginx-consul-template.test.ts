// The lab's Nginx side end to end on loopback: real Consul (dev agent), real consul-template and nginx started
// through nginx/run.sh (the container's entrypoint), and three built workshop-api instances (dist/).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { useConsulDev } from '../harness/consulFixture';
import { NginxSide, getFresh, pidAlive, startNginxSide } from '../harness/nginx';
import { toolPath } from '../harness/paths';
import { sleep, waitFor } from '../harness/waitFor';
import { WorkshopInstance, startWorkshopApi } from '../harness/workshopApi';

let side: NginxSide | undefined;
// Declared before the Consul fixture, so it runs before the fixture's tear-down (jest runs afterAll hooks in the order
// declared): run.sh stops its children in its own time, then the fixture ends what is left and Consul.
afterAll(async () => {
  await side?.stop().catch(() => undefined);
});
const consul = useConsulDev();
const apis = new Map<string, WorkshopInstance>();
const api = (name: string): WorkshopInstance => apis.get(name)!;

async function page(): Promise<string> {
  const res = await getFresh(`${side!.url}/`);
  expect(res.status).toBe(200);
  return res.body;
}

function tileIds(html: string): string[] {
  return [...html.matchAll(/<li class="tile" data-id="([^"]+)"/g)].map((m) => m[1]!);
}

/**
 * Wait until exactly `ids` are live: on the page, in the live upstream file, AND in the config Nginx has loaded
 * (files are published a moment before the reload completes): /avatars/<id> answers 200 for each of `ids`
 * and 404 for every other instance of this test, and the reload has settled (no old worker left).
 */
async function waitForInstances(ids: string[], what: string, timeoutMs = 30_000): Promise<void> {
  const ports = ids.map((id) => `127.0.0.1:${[...apis.values()].find((a) => a.id === id)!.port}`).sort();
  await waitFor(
    async () => {
      if (JSON.stringify(tileIds(await page())) !== JSON.stringify([...ids].sort())) return false;
      if (JSON.stringify(side!.upstreamServers().sort()) !== JSON.stringify(ports)) return false;
      for (const a of apis.values()) {
        const status = (await getFresh(`${side!.url}/avatars/${a.id}`)).status;
        if (status !== (ids.includes(a.id) ? 200 : 404)) return false;
      }
      // ...and no old worker is left that could still answer a new connection from an older config.
      return side!.reloadSettled();
    },
    { timeoutMs, intervalMs: 50, what },
  );
}

beforeAll(async () => {
  side = await startNginxSide({ consulHttpAddr: consul().httpAddr });
  for (const name of ['ada', 'bob', 'cy']) {
    apis.set(name, await startWorkshopApi(name, { consulHttpAddr: consul().httpAddr }));
  }
}, 90_000);

test('three passing instances appear on the page (stable order) and in the upstream; /api/ spreads over all three', async () => {
  await waitForInstances(['workshop-ada', 'workshop-bob', 'workshop-cy'], 'three instances on the page, in the upstream and loaded');
  expect(tileIds(await page())).toEqual(['workshop-ada', 'workshop-bob', 'workshop-cy']);
  expect(side!.liveLocations()).toContain('location = /avatars/workshop-bob {');

  const seen = new Map<string, number>();
  for (let i = 0; i < 30; i++) {
    const res = await getFresh(`${side!.url}/api/`);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { id: string; name: string };
    expect(res.headers['x-workshop-instance']).toBe(body.id);
    seen.set(body.id, (seen.get(body.id) ?? 0) + 1);
  }
  expect([...seen.keys()].sort()).toEqual(['workshop-ada', 'workshop-bob', 'workshop-cy']);

  // Each instance's avatar through its own location.
  const avatar = await getFresh(`${side!.url}/avatars/workshop-cy`);
  expect(avatar.status).toBe(200);
  expect(avatar.headers['content-type']).toMatch(/^image\/svg\+xml/);
  expect(avatar.body).toBe((await getFresh(`${api('cy').url}/avatar`)).body);
}, 60_000);

test('under a steady stream of /api/ requests, a graceful stop (SIGTERM) of 1 of 3 gives zero 5xx; it leaves page and upstream', async () => {
  await waitForInstances(['workshop-ada', 'workshop-bob', 'workshop-cy'], 'three instances live');
  const statuses = new Map<number, number>();
  const errors: string[] = [];
  let running = true;
  // Three concurrent clients, each looping with a 5 ms pause (a few hundred requests a second without
  // piling up thousands of TIME_WAIT sockets), for the whole stop + re-render + reload + drain + exit.
  const client = async (): Promise<void> => {
    while (running) {
      try {
        const res = await getFresh(`${side!.url}/api/`);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      } catch (err) {
        errors.push(String(err));
      }
      await sleep(5);
    }
  };
  const clients = [client(), client(), client()];
  await sleep(1000);
  const t0 = Date.now();
  const stopped = api('ada').process.stop('SIGTERM', 10_000);
  await waitForInstances(['workshop-bob', 'workshop-cy'], 'ada gone from page and upstream after SIGTERM');
  const goneS = (Date.now() - t0) / 1000;
  const exit = await stopped;
  const exitS = (Date.now() - t0) / 1000;
  await sleep(1500); // keep the stream going past the instance's exit
  running = false;
  await Promise.all(clients);

  console.log(
    `SIGTERM → gone from page and upstream in ${goneS.toFixed(2)} s; process exited (code ${exit.code}) after ${exitS.toFixed(2)} s; ` +
      `requests: ${JSON.stringify(Object.fromEntries(statuses))}, client errors: ${errors.length}`,
  );
  expect(exit.code).toBe(0);
  expect(exitS).toBeLessThan(8);
  expect(goneS).toBeLessThan(15);
  const fiveXx = [...statuses.entries()].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
  expect(errors).toEqual([]);
  expect(fiveXx).toBe(0);
  expect(statuses.get(200) ?? 0).toBeGreaterThan(50);
  // The stopping instance logged its drain in order: deregistered, then stopped.
  expect(api('ada').process.output()).toMatch(/deregistered from Consul[\s\S]*stopped/);
}, 60_000);

test('SIGKILL of an instance: gone from page and upstream once its check turns critical', async () => {
  const t0 = Date.now();
  await api('bob').process.stop('SIGKILL');
  await waitForInstances(['workshop-cy'], 'bob gone after SIGKILL (check critical)');
  const goneS = (Date.now() - t0) / 1000;
  console.log(`SIGKILL → gone from page and upstream in ${goneS.toFixed(2)} s (check every 2 s, timeout 1 s)`);
  expect(goneS).toBeLessThan(20);
  // Consul still lists bob, but critical: consul-template only renders passing instances.
  const checks = (await (await fetch(`${consul().httpUrl}/v1/health/checks/workshop`)).json()) as Array<{
    ServiceID: string;
    Status: string;
  }>;
  expect(checks.find((c) => c.ServiceID === 'workshop-bob')?.Status).toBe('critical');
  const res = await getFresh(`${side!.url}/api/`);
  expect(res.status).toBe(200);
  expect((JSON.parse(res.body) as { id: string }).id).toBe('workshop-cy');
}, 60_000);

test('a render that fails nginx -t is not applied: the running config stays and the reason is logged', async () => {
  const before = side!.liveUpstreams();
  writeFileSync(path.join(side!.workDir, 'staging', 'upstreams.conf'), 'upstream workshop { this is not nginx config }\n');
  // apply-render.sh exactly as consul-template runs it (cwd = the work dir, the env run.sh exports).
  const r = spawnSync('/bin/sh', ['apply-render.sh'], {
    cwd: side!.workDir,
    env: { ...process.env, NGINX_WORK_DIR: side!.workDir, NGINX_BIN: toolPath('nginx') },
    encoding: 'utf8',
    timeout: 15_000,
  });
  expect(r.status).toBe(0); // never non-zero: that would stop consul-template
  expect(r.stderr).toMatch(/REJECTED new render \(nginx -t failed\), keeping the running config: .*upstreams\.conf.*test failed/);
  expect(side!.liveUpstreams()).toBe(before);
  expect((await getFresh(`${side!.url}/api/`)).status).toBe(200);
}, 30_000);

test('zero healthy instances: still a valid config, /api/ answers 503 with a readable page, the page shows the empty state', async () => {
  await api('cy').process.stop('SIGTERM', 10_000);
  await waitFor(async () => (await page()).includes('id="empty-state"'), { timeoutMs: 30_000, what: 'empty state on the page' });
  await waitFor(async () => (await getFresh(`${side!.url}/api/`)).status === 503, { timeoutMs: 10_000, what: '/api/ 503' });
  const res = await getFresh(`${side!.url}/api/`);
  expect(res.headers['content-type']).toMatch(/text\/html/);
  expect(res.body).toContain('No healthy workshop instance');
  expect(side!.liveUpstreams()).not.toMatch(/upstream\s+workshop/);
  expect(side!.upstreamServers()).toEqual([]);
  expect(side!.process.running).toBe(true);
}, 60_000);

test('nginx/run.sh: nginx was only reloaded, and SIGTERM stops nginx and consul-template and exits 0', async () => {
  const pids = side!.childPids();
  expect(pids).toHaveLength(2);
  expect(pids.every(pidAlive)).toBe(true);
  // Every change was applied by reload: the master pid from the start still serves, and it logged reconfiguring.
  expect(side!.process.output()).toMatch(/reconfiguring/);
  const r = await side!.stop();
  expect(r.code).toBe(0);
  await waitFor(() => pids.every((p) => !pidAlive(p)), { timeoutMs: 5000, what: 'nginx and consul-template gone' });
  side = undefined;
}, 30_000);
