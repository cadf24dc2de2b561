// nginx/run.sh as a supervisor, without a reachable Consul: the explicit waiting state, and what happens
// when one of its two children dies; and its NGINX_APPLY=restart mode (the benchmark's baseline).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startConsulDev } from '../harness/consul';
import { pidAlive, startNginxSide } from '../harness/nginx';
import { freePort } from '../harness/ports';
import { startProcess, stopAllProcesses } from '../harness/processes';
import { sleep, waitFor } from '../harness/waitFor';

afterAll(stopAllProcesses);

test('Consul unreachable: Nginx serves the waiting page and a 503 on /api/, consul-template keeps retrying; if a child dies, run.sh stops the other and exits 1', async () => {
  const dead = await freePort();
  const side = await startNginxSide({ consulHttpAddr: `127.0.0.1:${dead}`, waitForFirstRender: false, name: 'nginx-side-no-consul' });
  try {
    await sleep(4000);
    expect(side.process.running).toBe(true);
    const home = await fetch(`${side.url}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Waiting for the first answer from Consul');
    const apiRes = await fetch(`${side.url}/api/`);
    expect(apiRes.status).toBe(503);
    expect(await apiRes.text()).toContain('No healthy workshop instance');
    // consul-template logs its retries instead of exiting, backing off no further than max_backoff (2s).
    expect(side.process.output()).toMatch(/connection refused \(retry attempt \d+ after "2s"\)/);

    const nginxPid = Number(readFileSync(path.join(side.workDir, 'nginx.pid'), 'utf8'));
    const ctPid = Number(readFileSync(path.join(side.workDir, 'consul-template.pid'), 'utf8'));
    process.kill(ctPid, 'SIGKILL'); // a child dies unexpectedly
    const { code } = await side.process.exited;
    expect(code).toBe(1);
    expect(side.process.output()).toMatch(/error: consul-template exited .*stopping the other/);
    await waitFor(() => !pidAlive(nginxPid), { timeoutMs: 5000, what: 'nginx stopped with its sibling' });
  } finally {
    await side.stop();
  }
}, 40_000);

test('bad input to run.sh: one line, exit 2, nothing started', async () => {
  const p = startProcess('bash', [path.join(__dirname, '../../nginx/run.sh')], {
    name: 'run-sh-bad',
    env: { ...process.env, NGINX_LISTEN: 'eighty', NGINX_WORK_DIR: '/tmp/unused-lab-nginx' },
  });
  const { code } = await p.exited;
  expect(code).toBe(2);
  expect(p.output().trim().split('\n')).toHaveLength(1);
  expect(p.output()).toMatch(/NGINX_LISTEN must be PORT, IPv4:PORT or \[IPv6\]:PORT, got 'eighty'/);
}, 30_000);

test("NGINX_APPLY=restart (the original workshop's way, the benchmark baseline): a render stops nginx and starts a new master", async () => {
  const consul = await startConsulDev();
  const side = await startNginxSide({ consulHttpAddr: consul.httpAddr, env: { NGINX_APPLY: 'restart' }, name: 'nginx-side-restart' });
  try {
    const masterBefore = Number(readFileSync(path.join(side.workDir, 'nginx.pid'), 'utf8'));
    // A hand-made registration (no check, so it passes at once) is enough to trigger a render.
    const apiPort = await freePort();
    const reg = await fetch(`${consul.httpUrl}/v1/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({ Name: 'workshop', ID: 'workshop-restart', Address: '127.0.0.1', Port: apiPort }),
    });
    expect(reg.status).toBe(200);
    await side.process.waitForLine(/applied render with 1 instance\(s\); nginx restarted \(pid \d+ -> \d+\)/, 15_000);
    const masterAfter = await waitFor(
      () => {
        const pid = Number(readFileSync(path.join(side.workDir, 'nginx.pid'), 'utf8'));
        return pid > 0 && pid !== masterBefore ? pid : undefined;
      },
      { timeoutMs: 5000, what: 'a new nginx master pid' },
    );
    expect(pidAlive(masterBefore)).toBe(false);
    expect(pidAlive(masterAfter)).toBe(true);
    expect(side.upstreamServers()).toEqual([`127.0.0.1:${apiPort}`]);
    // The three templates fire separately (each has its own quiescence timer): the page and the
    // locations may be published a moment after the upstream.
    await waitFor(
      async () =>
        side.liveLocations().includes('location = /avatars/workshop-restart {') &&
        (await (await fetch(`${side.url}/`)).text()).includes('workshop-restart'),
      { timeoutMs: 10_000, what: 'the instance in the live locations and on the page' },
    );
    // Once the restarted master has loaded it, /api/ proxies to the instance; nothing listens on apiPort, so
    // 502 (not the 503 of the "no instance" config) shows the upstream is real.
    await waitFor(async () => (await fetch(`${side.url}/api/`)).status === 502, {
      timeoutMs: 10_000,
      what: '/api/ proxied to the instance',
    });
  } finally {
    await side.stop();
    await consul.stop();
  }
}, 60_000);
