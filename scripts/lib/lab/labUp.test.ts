import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../../services/shared/errors';
import { BREAK_BEFORE_MAKE, MAKE_BEFORE_BREAK } from '../../../services/shared/names';
import type { Classroom } from '../classroom/instructorClassroom';
import { joinInfoFor } from '../classroom/joinInfo';
import { CLASSROOM_CA_PEM } from '../classroom/testdata/testCas';
import type { ComposeOptions, ComposeResult } from '../docker/compose';
import type { LabContainer } from '../docker/labContainers';
import { PUBLISHING_SERVICE } from '../docker/labServices';
import { fakeCommandIo } from './testdata/fakeCommandIo';
import { fakeContainer } from './testdata/fakeContainer';
import { checkUpOptions, datacentersArg, labUp, readyLines, upFailureHint, type UpDeps, type UpEngine, type UpOptions } from './labUp';

const OPTS: UpOptions = { timeout: 180_000, checkScope: 'service', restartMode: BREAK_BEFORE_MAKE, build: true };

function container(service: string, state?: string, health?: LabContainer['health']): LabContainer {
  const ports = service === PUBLISHING_SERVICE ? [{ IP: '127.0.0.1', PrivatePort: 8500, PublicPort: 8500, Type: 'tcp' }] : [];
  return fakeContainer('consul-lab', service, state, health, ports);
}

interface World {
  deps: UpDeps;
  engine: UpEngine;
  calls: string[];
  out: string[];
  progress: string[];
  compose: Array<{ args: string[]; opts: ComposeOptions }>;
  upResult: Partial<ComposeResult>;
  containers: LabContainer[];
  present: Set<string>;
  aclsDoneAfterTicks: number;
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lab-up-'));
  writeFileSync(path.join(root, 'docker-compose.yml'), 'services: {}\n');
  writeFileSync(path.join(root, '.env'), 'CONSUL_IMAGE=hashicorp/consul:1.20.5\nNGINX_IMAGE=nginx:1.27\n');
  writeFileSync(path.join(root, '.env.offline'), 'CONSUL_IMAGE=lab/consul:offline\nLAB_SERVICES_IMAGE=lab/services:offline\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function world(): World {
  const fake = fakeCommandIo();
  let ticks = 0;
  const w: World = {
    calls: [],
    out: fake.out,
    progress: fake.progress,
    compose: [],
    upResult: { code: 0 },
    containers: [container(PUBLISHING_SERVICE), container('consul-server-1')],
    present: new Set(),
    aclsDoneAfterTicks: 0,
    engine: {
      presentImages: async (refs) => new Set([...refs].filter((r) => w.present.has(r))),
      pullImage: async (ref) => void w.calls.push(`pull ${ref}`),
      offlineBuildBlocker: async () => undefined,
      buildOfflineImages: async () => void w.calls.push('build'),
      prepareClassroom: async (o) => {
        w.calls.push(`classroom ${o.lan}`);
        mkdirSync(o.dir, { recursive: true });
        return classroom(o.dir);
      },
      listContainers: async () => w.containers,
      isDockerDesktop: async () => false,
    },
    deps: undefined as unknown as UpDeps,
  };
  w.deps = {
    root,
    env: {},
    resolveLanAddress: async (given) => {
      w.calls.push('lan');
      return given ?? '192.168.1.20';
    },
    connectDocker: async () => {
      w.calls.push('docker');
      return w.engine;
    },
    runCompose: async (args, opts) => {
      w.compose.push({ args, opts });
      w.calls.push(`compose ${args.join(' ')}`);
      return { code: 0, stdout: '', stderr: '', ...(args.includes('up') ? w.upResult : {}) };
    },
    classroomAclSetup: () => ({ tick: async () => void ticks++, done: () => ticks > w.aclsDoneAfterTicks }),
    verifyGossipKey: async () => void w.calls.push('gossip-key'),
    ...fake.io,
  };
  return w;
}

function classroom(dir: string): Classroom {
  const secrets = { gossipKey: 'g'.repeat(43) + '=', joinCode: 'kite-maple-7421', managementToken: 'mgmt-token-1234' };
  return {
    lan: '192.168.1.20',
    dir,
    resumed: false,
    secrets: secrets as unknown as Classroom['secrets'],
    tls: {} as Classroom['tls'],
    pin: '0123456789abcdef',
    room: { cidr: '192.168.1.0/24', from: 'the LAN interface', rules: { allowed: '', excluded: '' } },
    join: joinInfoFor('192.168.1.20', secrets, 8080, CLASSROOM_CA_PEM),
    env: { LAB_GOSSIP_KEY: secrets.gossipKey },
    roomApiPort: 8501,
  };
}

test.each([
  ['--lan-address', { lanAddress: '10.0.0.2' }],
  ['--room-subnet', { roomSubnet: '10.0.0.0/24' }],
  ['--resume', { resume: true }],
])('%s without --classroom is bad input (exit 2): nothing resolved, nothing started', async (flag, extra) => {
  expect(() => checkUpOptions({ ...OPTS, ...extra })).toThrow(new UsageError(`${flag} only makes sense with --classroom`));
  const w = world();
  await expect(labUp({ ...OPTS, ...extra }, w.deps)).rejects.toBeInstanceOf(UsageError);
  expect(w.calls).toEqual([]);
  expect(() => checkUpOptions({ ...OPTS, ...extra, classroom: true })).not.toThrow();
});

test('--no-build: the air-gapped images in this engine, no build, no pull; then compose up and the URLs', async () => {
  const w = world();
  w.present = new Set(['lab/consul:offline', 'lab/services:offline']);
  await expect(labUp({ ...OPTS, build: false }, w.deps)).resolves.toBe(0);
  expect(w.calls).toEqual(['docker', 'compose up -d --remove-orphans']);
  expect(w.compose[0]!.opts).toMatchObject({
    project: 'consul-lab',
    envFile: '.env.offline',
    env: { LAB_WORKSHOP_CHECK_SCOPE: 'service', LAB_DEMO_RESTART_MODE: BREAK_BEFORE_MAKE },
  });
  expect(w.out[0]).toBe('Starting lab "consul-lab" with the air-gapped images (docker compose --env-file .env.offline up -d)\n');
  expect(w.out[1]).toBe('All 2 containers ready after 0.0 s.\n\n');
  expect(w.out[2]).toContain('  Consul UI   http://localhost:8500/ui\n');
  expect(w.out[2]).not.toContain('lab:roster');
});

test('--no-build with an image missing: one line naming it', async () => {
  const w = world();
  w.present = new Set(['lab/consul:offline']);
  await expect(labUp({ ...OPTS, build: false }, w.deps)).rejects.toThrow(
    '--no-build: image lab/services:offline is not in this engine (load it, or run without --no-build to build it)',
  );
  expect(w.compose).toEqual([]);
});

test('with a registry: what .env pins and is missing is pulled before compose up; --offline builds instead', async () => {
  const w = world();
  w.present = new Set(['nginx:1.27']);
  await expect(labUp(OPTS, w.deps)).resolves.toBe(0);
  expect(w.calls).toEqual(['docker', 'pull hashicorp/consul:1.20.5', 'compose up -d --remove-orphans']);
  expect(w.out[0]).toBe('Starting lab "consul-lab" (docker compose up -d)\n');

  const off = world();
  await expect(labUp({ ...OPTS, offline: true }, off.deps)).resolves.toBe(0);
  expect(off.calls).toEqual(['docker', 'build', 'compose up -d --remove-orphans']);
});

test('the exercise flags are said, and reach Compose', async () => {
  const w = world();
  await labUp({ ...OPTS, offline: true, checkScope: 'node', restartMode: MAKE_BEFORE_BREAK }, w.deps);
  expect(w.out.slice(1, 3)).toEqual([
    'workshop-api checks at NODE level (--check-scope node): one failing instance takes its whole host down\n',
    'demo server restarts make-before-break: the next incarnation is passing before the old one leaves\n',
  ]);
  expect(w.compose[0]!.opts.env).toEqual({ LAB_WORKSHOP_CHECK_SCOPE: 'node', LAB_DEMO_RESTART_MODE: MAKE_BEFORE_BREAK });
});

test('--classroom: the LAN address first, both Compose files, the class env, the ACLs during the wait, then join.json and the room lines', async () => {
  const w = world();
  w.aclsDoneAfterTicks = 3;
  await expect(labUp({ ...OPTS, offline: true, classroom: true, lanAddress: '192.168.1.20' }, w.deps)).resolves.toBe(0);
  expect(w.calls).toEqual([
    'lan',
    'docker',
    'build',
    'classroom 192.168.1.20',
    'compose -f docker-compose.yml -f classroom/instructor.compose.yml up -d --remove-orphans',
    'gossip-key',
  ]);
  expect(w.compose[0]!.opts.env).toMatchObject({ LAB_GOSSIP_KEY: 'g'.repeat(43) + '=' });
  expect(w.out[0]).toBe(
    'Starting lab "consul-lab" with the air-gapped images as a classroom on 192.168.1.20 (docker compose --env-file .env.offline -f docker-compose.yml -f classroom/instructor.compose.yml up -d)\n',
  );
  expect(existsSync(path.join(root, '.classroom', 'join.json'))).toBe(true);
  const text = w.out.join('');
  expect(text).toContain('npm run lab:join -- 192.168.1.20 --code kite-maple-7421 --pin 0123456789abcdef --name <your-github-account>');
  expect(text).toContain('npm run lab:roster');
});

test('a failed compose up: its line and the hint that fits', async () => {
  const w = world();
  w.upResult = { code: 1, stderr: 'Error response from daemon: port is already allocated' };
  await expect(labUp({ ...OPTS, offline: true }, w.deps)).rejects.toThrow(
    /^docker compose up failed: .*; a host port is taken: pick free ones/,
  );
});

test('the timeout names what is not ready, the classroom ACL set-up too', async () => {
  const w = world();
  w.containers = [container(PUBLISHING_SERVICE), container('nginx', 'running', 'unhealthy')];
  w.aclsDoneAfterTicks = Infinity;
  await expect(labUp({ ...OPTS, offline: true, classroom: true, timeout: 5000 }, w.deps)).rejects.toThrow(
    'not ready after 5.0 s: nginx-1 (unhealthy), the classroom ACL set-up through 127.0.0.1:8501; look at `docker compose -p consul-lab logs <service>`',
  );
});

test('upFailureHint and readyLines name the project when it is not the default', () => {
  expect(upFailureHint('boom', 'consul-lab')).toBe('; `npm run lab:down` removes what was started');
  expect(upFailureHint('pull access denied', 'x')).toContain('npm run lab:up -- --offline');
  expect(upFailureHint('boom', 'other')).toBe('; `npm run lab:down -- -p other` removes what was started');
  const ep = {
    consul: { host: '127.0.0.1', port: 8500, secure: false },
    consulUrl: 'http://127.0.0.1:8500',
    nginxUrl: 'http://127.0.0.1:8080',
    labViewUrl: 'http://127.0.0.1:8090',
  };
  const lines = readyLines('other', ep, false);
  expect(lines).toContain('  Nginx page  http://localhost:8080/');
  expect(lines.find((l) => l.includes('lab:partition'))).toMatch(/^ {2}npm run lab:partition -- -p other host-b +cut host-b off/);
  expect(readyLines('consul-lab', ep, true).find((l) => l.includes('lab:roster'))).toMatch(/^ {2}npm run lab:roster +one line per student/);
});

test('--registrator with --classroom is bad input: the room never gets the Docker socket', async () => {
  const w = world();
  await expect(labUp({ ...OPTS, registrator: true, classroom: true }, w.deps)).rejects.toThrow(
    new UsageError('--registrator is never used with --classroom: it holds the Docker socket (README exercise 6)'),
  );
  expect(w.calls).toEqual([]);
});

test('--registrator enables the registrator profile for up', async () => {
  const w = world();
  w.present = new Set(['lab/consul:offline', 'lab/services:offline']);
  await expect(labUp({ ...OPTS, build: false, registrator: true }, w.deps)).resolves.toBe(0);
  expect(w.calls).toEqual(['docker', 'compose --profile registrator up -d --remove-orphans']);
  expect(w.out.join('')).toContain('with the registrator (exercise 6)');
});

test('lab:up without --registrator stops a registrator left running, after the instance it registers', async () => {
  const w = world();
  w.present = new Set(['lab/consul:offline', 'lab/services:offline']);
  w.containers = [...w.containers, container('registrator'), container('workshop-api-b3')];
  await expect(labUp({ ...OPTS, build: false }, w.deps)).resolves.toBe(0);
  expect(w.calls).toEqual([
    'docker',
    'compose --profile registrator rm --stop --force workshop-api-b3 registrator',
    'compose up -d --remove-orphans',
  ]);
});

test('--datacenters 2 enables the dc2 profile; with --classroom, or another number, it is bad input', async () => {
  const w = world();
  w.present = new Set(['lab/consul:offline', 'lab/services:offline']);
  await expect(labUp({ ...OPTS, build: false, datacenters: 2 }, w.deps)).resolves.toBe(0);
  expect(w.calls).toEqual(['docker', 'compose --profile dc2 up -d --remove-orphans']);
  expect(w.out.join('')).toContain('with a second datacenter (exercise 8)');
  await expect(labUp({ ...OPTS, datacenters: 2, classroom: true }, world().deps)).rejects.toThrow(
    new UsageError('--datacenters 2 is not available with --classroom (README exercise 8)'),
  );
  expect(() => datacentersArg('3')).toThrow(new UsageError('expected 1 or 2, got "3"'));
  expect(datacentersArg('2')).toBe(2);
});

test('lab:up without --datacenters 2 stops a second datacenter left running, instances first', async () => {
  const w = world();
  w.present = new Set(['lab/consul:offline', 'lab/services:offline']);
  w.containers = [...w.containers, container('dc2-server-1'), container('host-c'), container('dc2-api-1')];
  await expect(labUp({ ...OPTS, build: false, registrator: true }, w.deps)).resolves.toBe(0);
  expect(w.calls).toEqual([
    'docker',
    'compose --profile dc2 rm --stop --force dc2-api-1 dc2-api-2 host-c-agent host-c dc2-server-1',
    'compose exec -T consul-server-1 consul force-leave -prune -wan dc2-server-1.dc2',
    'compose --profile registrator up -d --remove-orphans',
  ]);
});
