/**
 * End-to-end: docker-compose.yml's DEFAULT path — the `.env` users with a registry get: official image
 * names and tags, their entrypoints and users, and the two `build:` sections (the root Dockerfile from
 * NODE_IMAGE, nginx/Dockerfile from NGINX_IMAGE + CONSUL_TEMPLATE_IMAGE) — on a machine WITHOUT a
 * registry, through stand-ins carrying the official names (test/harness/standins.ts,
 * images/standins/README.md). Runs `docker compose up -d --wait` with no --env-file, on its own project,
 * ports and subnet, then checks the lab and takes it, the stand-ins and what was built from them away.
 *   npm run test:e2e
 */
import type Docker from 'dockerode';
import { pinnedConsulVersion } from '../../scripts/lib/images/pinnedVersions';
import { readEnvFile } from '../../scripts/lib/docker/envFile';
import { ensureDockerEngine, ensureDockerTools, compose, projectLeftovers, runCommand, type DockerEngine } from '../harness/docker';
import { REPO_ROOT } from '../harness/paths';
import { freePorts } from '../harness/ports';
import { buildStandins, removeStandins, type Standins } from '../harness/standins';
import { waitFor } from '../harness/waitFor';
import path from 'node:path';

const PROJECT = 'consul-lab-e2e-registry';
// Shell values override .env for Compose's interpolation: only where the lab runs and the names of the two
// images Compose builds here (so removing them afterwards can never hit a developer's own), never which
// images it pulls or builds from.
const BUILT = { LAB_SERVICES_IMAGE: 'consul-lab-e2e/services:registry-path', LAB_NGINX_IMAGE: 'consul-lab-e2e/nginx:registry-path' };
// Host ports: free ones at start (fixed ones met an engineer's own agent on 18500/18600 here).
// LAB_PULL_POLICY=never: Compose uses the stand-ins and builds the two lab images, but never tries a registry
// (tests reach only loopback and their own containers). What .env's `missing` adds, a pull, stays unproven here.
const WHERE: Record<string, string> = { LAB_SUBNET_PREFIX: '10.213.52', LAB_PULL_POLICY: 'never', ...BUILT };
let CONSUL = '';
let NGINX = '';
const MIN = 60_000;
const env: NodeJS.ProcessEnv = { ...process.env, ...WHERE };
// A developer's own overrides of the images would defeat the point: the test runs .env as committed.
for (const k of ['CONSUL_IMAGE', 'CONSUL_TEMPLATE_IMAGE', 'NGINX_IMAGE', 'NODE_IMAGE', 'LAB_SERVICES_DOCKERFILE']) delete env[k];

const t0 = Date.now();
function note(msg: string): void {
  process.stderr.write(`[e2e-registry ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
}
async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

let engine: DockerEngine | undefined;
let docker: Docker;
let standins: Standins | undefined;
let started = false;

async function down(): Promise<void> {
  const r = await compose(['-p', PROJECT, 'down', '-v', '--remove-orphans', '--timeout', '10'], { timeoutMs: 3 * MIN, env });
  if (r.code !== 0) note(`down -v failed (${r.code}): ${r.stderr.trim()}`);
}

beforeAll(async () => {
  const [http, dns, nginx, view] = await freePorts(4);
  Object.assign(env, {
    LAB_CONSUL_HTTP_PORT: String(http),
    LAB_CONSUL_DNS_PORT: String(dns),
    LAB_NGINX_PORT: String(nginx),
    LAB_VIEW_PORT: String(view),
  });
  CONSUL = `http://127.0.0.1:${http}`;
  NGINX = `http://127.0.0.1:${nginx}`;
  await ensureDockerTools(note);
  engine = await ensureDockerEngine(note);
  docker = engine.docker;
  const left = await projectLeftovers(docker, PROJECT);
  if (left.containers.length || left.volumes.length) {
    note(`removing a leftover ${PROJECT} project (ours: an aborted run)`);
    await down();
  }
  // Stand-ins and images left by an aborted run of this test: gone first, so this run builds afresh.
  await removeBuilt();
  await removeStandins(docker, note);

  const images = await runCommand('npm', ['run', '-s', 'lab:images'], { timeoutMs: 30 * MIN });
  if (images.code !== 0)
    throw new Error(`npm run lab:images failed (${images.code}):\n${images.stdout.slice(-2000)}\n${images.stderr.slice(-2000)}`);
  const t = Date.now();
  standins = await buildStandins(docker, note);
  note(`stand-ins built in ${((Date.now() - t) / 1000).toFixed(1)} s: ${Object.keys(standins.images).join(', ')}`);

  started = true;
  const up = await compose(['-p', PROJECT, 'up', '-d', '--wait'], { timeoutMs: 15 * MIN, env });
  note(
    `docker compose up -d --wait (default .env; builds the services image with npm ci and the nginx image) → exit ${up.code} in ${up.seconds.toFixed(1)} s`,
  );
  if (up.code !== 0) {
    const ps = await compose(['-p', PROJECT, 'ps', '-a'], { timeoutMs: 30_000, env });
    throw new Error(`docker compose up -d --wait failed (${up.code}):\n${up.stderr.slice(-4000)}\n${ps.stdout}`);
  }
}, 45 * MIN);

async function removeBuilt(): Promise<void> {
  for (const ref of Object.values(BUILT))
    await docker
      .getImage(ref)
      .remove({ force: true })
      .then(
        () => note(`removed ${ref}`),
        () => undefined,
      );
}

afterAll(async () => {
  try {
    if (started) await down();
    if (docker) {
      await removeBuilt();
      await removeStandins(docker, note);
    }
  } finally {
    await engine?.stop();
    note(`whole registry-path e2e: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}, 5 * MIN);

describe("the compose file's default path (.env, official names) on stand-ins", () => {
  test(
    'every container runs the image .env names (the stand-ins, or what Compose built from them)',
    async () => {
      const env0 = readEnvFile(path.join(REPO_ROOT, '.env'));
      const containers = await docker.listContainers({
        all: true,
        filters: JSON.stringify({ label: [`com.docker.compose.project=${PROJECT}`] }),
      });
      const byService = new Map(containers.map((c) => [c.Labels['com.docker.compose.service']!, c]));
      expect(byService.get('host-a-agent')?.Image).toBe(env0.CONSUL_IMAGE);
      expect(byService.get('host-a-agent')?.ImageID).toBe(standins!.images[env0.CONSUL_IMAGE!]);
      expect(byService.get('nginx')?.Image).toBe(BUILT.LAB_NGINX_IMAGE);
      expect(byService.get('demo-server')?.Image).toBe(BUILT.LAB_SERVICES_IMAGE);
      // The services image came from the ROOT Dockerfile: its runtime stage copies what the build stage
      // (npm ci + tsc inside the stand-in node image) made. Compose built it with BuildKit, which found the
      // stand-in locally (no registry lookup for a FROM that exists).
      const svc = await docker.getImage(BUILT.LAB_SERVICES_IMAGE).history();
      expect(svc.map((h: { CreatedBy: string }) => h.CreatedBy).join('\n')).toMatch(/COPY \/src\/dist\/services \.\/dist\/services/);
    },
    MIN,
  );

  test(
    'the official entrypoint runs Consul as uid 100, and the agent is the pinned version with its UI at /ui/',
    async () => {
      const top = (await docker.getContainer(`${PROJECT}-consul-server-1-1`).top({ ps_args: '-o pid,uid,args' })) as {
        Titles: string[];
        Processes: string[][];
      };
      const consul = top.Processes.find((p) => p.join(' ').includes('consul agent'));
      expect(consul?.[top.Titles.indexOf('UID')]).toBe('100');
      expect(consul?.join(' ')).toMatch(/-data-dir=\/consul\/data -config-dir=\/consul\/config/);
      const self = await getJson<{ Config: { Version: string } }>(`${CONSUL}/v1/agent/self`);
      expect(self.Config.Version).toBe(pinnedConsulVersion(REPO_ROOT));
      const ui = await fetch(`${CONSUL}/ui/`, { signal: AbortSignal.timeout(3000) });
      expect(ui.status).toBe(200);
      expect(await ui.text()).toMatch(/consul/i);
    },
    MIN,
  );

  test(
    '3 raft peers and a leader, 4 workshop tiles on the page, the demo client succeeding',
    async () => {
      expect(await getJson<string[]>(`${CONSUL}/v1/status/peers`)).toHaveLength(3);
      expect(await getJson<string>(`${CONSUL}/v1/status/leader`)).not.toBe('');
      await waitFor(
        async () => {
          const r = await fetch(`${NGINX}/`, { signal: AbortSignal.timeout(3000) });
          return r.status === 200 && [...(await r.text()).matchAll(/class="tile" data-id="workshop-/g)].length === 4;
        },
        { timeoutMs: 30_000, what: '4 tiles on the Nginx page' },
      );
      const logs = await waitFor(
        async () => {
          const r = await runCommand('docker', ['logs', `${PROJECT}-demo-client-1`], { timeoutMs: 20_000 });
          const ok = r.stdout.split('\n').filter((l) => /"ok":true/.test(l)).length;
          return ok >= 5 && ok;
        },
        { timeoutMs: 40_000, intervalMs: 1000, what: 'five successful demo-client requests' },
      );
      note(`demo client: ${logs} ok requests`);
    },
    2 * MIN,
  );

  test(
    'down -v leaves nothing of the project',
    async () => {
      await down();
      started = false;
      expect(await projectLeftovers(docker, PROJECT)).toEqual({ containers: [], networks: [], volumes: [] });
    },
    3 * MIN,
  );
});
