import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../../services/shared/errors';
import type { ComposeResult } from '../docker/compose';
import type { LabContainer } from '../docker/labContainers';
import { fakeCommandIo } from '../lab/testdata/fakeCommandIo';
import { fakeContainer } from '../lab/testdata/fakeContainer';
import { BackgroundCompose, JOIN_POLL_MS, labJoin, upFailureHint, type JoinDeps, type JoinEngine, type JoinOptions } from './joinCommand';
import { JOIN_PHASES, parseJoinBreakdown } from './joinBreakdown';
import { joinInfoFor } from './joinInfo';
import type { ApiHealth } from './joinSteps';
import { studentSettings } from './studentAddress';
import type { Diagnosis } from './studentDiagnosis';
import { readStudentState } from './studentState';
import { CLASSROOM_CA_PEM } from './testdata/testCas';

/** The join info lab:up writes for an instructor at 192.168.1.20. */
const joinInfo = joinInfoFor('192.168.1.20', { gossipKey: 'a'.repeat(43) + '=', joinCode: 'kite-maple-7421' }, 8080, CLASSROOM_CA_PEM);
const TOKEN = '3f2a1b4c-1111-2222-3333-444455556666';
const OPTS: JoinOptions = { name: 'alice', timeout: 300_000 };

const container = (service: string, state?: string, health?: LabContainer['health']): LabContainer =>
  fakeContainer('lab-student', service, state, health);
const READY = [container('student-agent'), container('workshop-api')];

/** A world that answers like a working classroom; each test breaks one thing. */
interface World {
  deps: JoinDeps;
  engine: JoinEngine;
  calls: string[];
  out: string[];
  progress: string[];
  progressTexts(): string[];
  composeArgs: string[][];
  /** Settles `docker compose up` (pending until then). */
  finishCompose(result: Partial<ComposeResult>): void;
  diagnosis?: Diagnosis;
  health: ApiHealth;
  onPageAfterMs: number;
  containers: LabContainer[];
  /** The fake clock: ms since the world began (when lab:join starts its timer), and moving it. */
  elapsed(): number;
  advance(ms: number): void;
}

let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lab-join-'));
  mkdirSync(path.join(root, 'classroom'));
  writeFileSync(path.join(root, 'classroom', 'student.compose.yml'), 'services: {}\n');
  dir = path.join(root, '.classroom-student');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function world(): World {
  const fake = fakeCommandIo(1_000_000);
  const started = fake.io.now();
  // `docker compose up`'s outcome: set before or after it starts; pending until set.
  let composeResult: ComposeResult | undefined;
  let settleCompose: (r: ComposeResult) => void = (r) => (composeResult = r);
  const w: World = {
    calls: [],
    out: fake.out,
    progress: fake.progress,
    progressTexts: fake.progressTexts,
    composeArgs: [],
    finishCompose: (r) => settleCompose({ code: 0, stdout: '', stderr: '', ...r }),
    health: { joined: true, registered: true, service: true, node: true },
    onPageAfterMs: 0,
    containers: READY,
    elapsed: () => fake.io.now() - started,
    advance: fake.advance,
    engine: {
      ensureImages: async () => {
        w.calls.push('images');
        return undefined;
      },
      listContainers: async () => w.containers,
      diagnose: async () => w.diagnosis,
    },
    deps: undefined as unknown as JoinDeps,
  };
  w.deps = {
    root,
    env: {},
    askSecret: async () => '',
    connectDocker: async () => {
      w.calls.push('docker');
      return w.engine;
    },
    resolveJoinInfo: async () => {
      w.calls.push('join-info');
      return joinInfo;
    },
    localAddressToward: async () => '192.168.1.31',
    enrollStudent: async (_url, _code, name) => {
      w.calls.push('enroll');
      return { name, token: TOKEN, accessorId: 'acc-1', nodeName: `student-${name}`, serviceId: `workshop-${name}` };
    },
    tcpReachable: async (host, port) => {
      w.calls.push(`tcp ${host}:${port}`);
      return true;
    },
    composeUp: (args) => {
      w.calls.push('compose-up');
      w.composeArgs.push(args);
      return composeResult ? Promise.resolve(composeResult) : new Promise((resolve) => (settleCompose = resolve));
    },
    compose: new BackgroundCompose(),
    apiHealth: async () => w.health,
    onPage: async () => fake.io.now() - started >= w.onPageAfterMs,
    ...fake.io,
  };
  return w;
}

test('a first join: input, Docker, join info, enrolment, TCP, images, compose, then the page and the breakdown', async () => {
  const w = world();
  w.finishCompose({ code: 0 });
  await expect(labJoin('join.json', OPTS, w.deps)).resolves.toBe(0);
  expect(w.calls).toEqual([
    'docker',
    'join-info',
    'enroll',
    ...['8301', '8311', '8321'].map((p) => `tcp 192.168.1.20:${p}`),
    'images',
    'compose-up',
  ]);
  expect(w.out[0]).toBe('Joining the class of 192.168.1.20 as "alice" from 192.168.1.31\n');
  expect(w.out[1]).toBe('Starting your host (docker compose -p lab-student -f classroom/student.compose.yml up -d)\n');
  expect(w.composeArgs[0]).toEqual(['-f', path.join(root, 'classroom/student.compose.yml'), 'up', '-d', '--remove-orphans']);
  expect(w.progressTexts()).toEqual(
    expect.arrayContaining([
      'enrolled as "alice": node student-alice, service workshop-alice',
      'your API registers as its own service "workshop-alice"',
      'your agent joined the cluster as student-alice',
      'workshop-alice is passing in Consul',
    ]),
  );
  expect(w.out[2]!.split('\n')).toEqual([
    `"alice" is on the instructor's page after 0.0 s: http://192.168.1.20:8080/avatars/workshop-alice`,
    '  The page        http://192.168.1.20:8080/',
    "  The room's UI   http://192.168.1.20:8500/ui/",
    "  Your agent's UI http://127.0.0.1:8500/ui/",
    'Leave the class (frees your name): npm run lab:leave',
    'join breakdown: join info 0.0 s · enrol 0.0 s · servers answer 0.0 s · images 0.0 s · containers up 0.0 s · agent joined 0.0 s · registered 0.0 s · first passing check 0.0 s · on the page 0.0 s = 0.0 s',
    '',
  ]);
  // The enrolment is kept for lab:leave, the token with it.
  expect(readStudentState(dir)).toMatchObject({ name: 'alice', token: TOKEN, address: '192.168.1.31', project: 'lab-student' });
  expect(w.deps.compose.running).toBe(false);
});

test.each<[string, Partial<JoinOptions>, RegExp]>([
  ['a name that is no GitHub login', { name: '-bad-' }, /./],
  ['a token on the command line', { githubToken: 'ghp_abcdefghijklmnop' }, /--github-token: a token on the command line/],
  ['a pin that is not 16 hex digits', { pin: 'xyz' }, /--pin must be the 16 hex digits/],
  ['--advertise that is not an address', { advertise: 'nope' }, /./],
])('bad input (%s) is a UsageError (exit 2) before Docker or the instructor', async (_what, opts, message) => {
  const w = world();
  const err = await labJoin('join.json', { ...OPTS, ...opts }, w.deps).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UsageError);
  expect((err as Error).message).toMatch(message);
  expect(w.calls).toEqual([]);
});

test('no student compose file: one line, before Docker', async () => {
  rmSync(path.join(root, 'classroom'), { recursive: true });
  const w = world();
  await expect(labJoin('join.json', OPTS, w.deps)).rejects.toThrow(`no classroom/student.compose.yml in ${root}`);
  expect(w.calls).toEqual([]);
});

test('an enrollment service that answers other names is not trusted: nothing saved, nothing started', async () => {
  const w = world();
  w.deps.enrollStudent = async () => ({
    name: 'alice',
    token: TOKEN,
    accessorId: 'a',
    nodeName: 'student-mallory',
    serviceId: 'workshop-alice',
  });
  await expect(labJoin('join.json', OPTS, w.deps)).rejects.toThrow(
    'the enrollment service answered with other names than student-alice / workshop-alice',
  );
  expect(existsSync(dir)).toBe(false);
  expect(w.calls).not.toContain('compose-up');
});

test('no route to the instructor: one line naming it', async () => {
  const w = world();
  w.deps.localAddressToward = async () => {
    throw new Error('ENETUNREACH');
  };
  await expect(labJoin('join.json', OPTS, w.deps)).rejects.toThrow(
    "no route to the instructor at 192.168.1.20 (ENETUNREACH): are you on the room's network?",
  );
  expect(w.calls).not.toContain('enroll');
});

test('servers that do not answer on TCP: the ports to open, and no stack started', async () => {
  const w = world();
  w.deps.tcpReachable = async () => false;
  await expect(labJoin('join.json', OPTS, w.deps)).rejects.toThrow(
    /^the instructor's Consul servers \(192\.168\.1\.20:8301, 192\.168\.1\.20:8311, 192\.168\.1\.20:8321\) do not answer on TCP: your network must let through .*then run lab:join again$/,
  );
  expect(w.calls).not.toContain('compose-up');
});

test('a second join reuses the saved enrolment (no second enrolment); another name is refused', async () => {
  const first = world();
  first.finishCompose({ code: 0 });
  await labJoin('join.json', OPTS, first.deps);
  const again = world();
  again.finishCompose({ code: 0 });
  again.deps.localAddressToward = async () => '192.168.1.32';
  await expect(labJoin('join.json', OPTS, again.deps)).resolves.toBe(0);
  expect(again.calls).not.toContain('enroll');
  expect(again.progress.some((l) => l.endsWith(`enrolled already as "alice" (${dir}): reusing that token`))).toBe(true);
  expect(readStudentState(dir)).toMatchObject({ token: TOKEN, address: '192.168.1.32' });

  const bob = world();
  await expect(labJoin('join.json', { ...OPTS, name: 'bob' }, bob.deps)).rejects.toThrow('this machine already joined as "alice"');
  expect(bob.calls).not.toContain('compose-up');
});

test('a failed compose up: its line and the hint; a cause in the logs wins', async () => {
  const w = world();
  w.finishCompose({ code: 1, stderr: 'Error: port is already allocated' });
  await expect(labJoin('join.json', OPTS, w.deps)).rejects.toThrow(
    /^docker compose up failed: .*port is already allocated; a port this machine needs/,
  );

  const d = world();
  d.diagnosis = { cause: 'rpc', line: 'the servers refuse RPC' };
  d.finishCompose({ code: 1, stderr: 'boom' });
  await expect(labJoin('join.json', OPTS, d.deps)).rejects.toThrow('the servers refuse RPC');
});

test('a rejected gossip key stops at once while compose still runs: the entry exits without waiting for it', async () => {
  const w = world();
  w.containers = [container('student-agent', 'running', 'starting')];
  w.diagnosis = { cause: 'gossip-key', line: "the instructor's cluster rejected this machine's gossip key" };
  await expect(labJoin('join.json', OPTS, w.deps)).rejects.toThrow("the instructor's cluster rejected this machine's gossip key");
  // Compose never settled: still running, which is the entry's cue to exit now (lab:leave removes what it started).
  expect(w.deps.compose.running).toBe(true);
  expect(w.deps.compose.done).toBeUndefined();
});

test('a flapping node is a warning, once; the join goes on to the page', async () => {
  const w = world();
  w.finishCompose({ code: 0 });
  w.onPageAfterMs = 30_000;
  w.diagnosis = { cause: 'udp', line: 'UDP 8301 is dropped' };
  await expect(labJoin('join.json', OPTS, w.deps)).resolves.toBe(0);
  expect(w.progress.filter((l) => l.endsWith('warning: UDP 8301 is dropped'))).toHaveLength(1);
});

test('the timeout names where the join stuck', async () => {
  const notBack = world();
  notBack.finishCompose({ code: 0 });
  notBack.health = { joined: true, registered: true, service: true, node: false };
  await expect(labJoin('join.json', { ...OPTS, timeout: 10_000 }, notBack.deps)).rejects.toThrow(
    /^the instructor's servers mark student-alice failed: they cannot reach this machine back at 192\.168\.1\.31; .* after 10\.0 s; look at `docker compose -p lab-student logs`, npm run lab:leave removes it$/,
  );

  const notReady = world();
  notReady.containers = [container('student-agent', 'exited')];
  notReady.finishCompose({ code: 0 });
  await expect(labJoin('join.json', { ...OPTS, timeout: 5_000 }, notReady.deps)).rejects.toThrow(
    /^not ready: student-agent-1 \(exited\) after 5\.0 s/,
  );

  const notJoined = world();
  notJoined.finishCompose({ code: 0 });
  notJoined.health = { joined: false, registered: false, service: false, node: true };
  await expect(labJoin('join.json', { ...OPTS, timeout: 5_000 }, notJoined.deps)).rejects.toThrow(
    /^student-alice is not in the cluster's catalog \(its agent has not joined; `docker compose -p lab-student logs student-agent` says why\) after 5\.0 s/,
  );

  const notOnPage = world();
  notOnPage.finishCompose({ code: 0 });
  notOnPage.onPageAfterMs = Infinity;
  await expect(labJoin('join.json', { ...OPTS, timeout: 5_000 }, notOnPage.deps)).rejects.toThrow(
    /^workshop-alice is passing but not on http:\/\/192\.168\.1\.20:8080\/ \(the instructor's Nginx must reach 192\.168\.1\.31:8081/,
  );
});

test('upFailureHint: a taken port names the variable that moves the UI; anything else points at lab:leave', () => {
  const settings = studentSettings({});
  expect(upFailureHint('Bind for 0.0.0.0:8500 failed: port is already allocated', settings)).toContain('LAB_STUDENT_HTTP_PORT=18500');
  expect(upFailureHint('something else', settings)).toBe('; npm run lab:leave removes what was started');
});

test('BackgroundCompose: running until compose settles; a thrown spawn is a failure line', async () => {
  const c = new BackgroundCompose();
  let reject: (e: Error) => void = () => undefined;
  c.start(new Promise<ComposeResult>((_res, rej) => (reject = rej)));
  expect(c.running).toBe(true);
  reject(new Error('spawn docker ENOENT'));
  await new Promise((r) => setImmediate(r));
  expect(c.running).toBe(false);
  expect(c.done).toEqual({ code: 1, line: 'spawn docker ENOENT' });
});

test('the breakdown: each phase on the fake clock, observed by 250 ms looks, adding up to the total', async () => {
  const w = world();
  w.finishCompose({ code: 0 });
  const slow = <T>(ms: number, v: T): Promise<T> => (w.advance(ms), Promise.resolve(v));
  const resolve = w.deps.resolveJoinInfo;
  w.deps.resolveJoinInfo = (...a) => (w.advance(200), resolve(...a));
  const enrol = w.deps.enrollStudent;
  w.deps.enrollStudent = (...a) => (w.advance(400), enrol(...a));
  w.deps.tcpReachable = () => slow(100, true); // three servers, asked one after the other on this clock
  w.engine.ensureImages = () => slow(100, undefined);
  // Containers running from 2.75 s; the agent joined at 4.75 s, registered at 5 s, passing at 6 s; the page at 8.5 s.
  w.engine.listContainers = async () => (w.elapsed() >= 2750 ? READY : [container('student-agent', 'created')]);
  w.deps.apiHealth = async () => {
    const t = w.elapsed();
    return { joined: t >= 4750, registered: t >= 5000, service: t >= 6000, node: true };
  };
  w.deps.onPage = async () => w.elapsed() >= 8500;
  await expect(labJoin('join.json', OPTS, w.deps)).resolves.toBe(0);

  const lines = w.out[2]!.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^"alice" is on the instructor's page after 8\.5 s: /);
  // The last line; each phase rounded so that the tenths add up to the total's (2.75 s ends at 2.8, so 1.8 s).
  const last = lines.at(-1)!;
  expect(last).toBe(
    'join breakdown: join info 0.2 s · enrol 0.4 s · servers answer 0.3 s · images 0.1 s · containers up 1.8 s · ' +
      'agent joined 2.0 s · registered 0.2 s · first passing check 1.0 s · on the page 2.5 s = 8.5 s',
  );
  const parsed = parseJoinBreakdown(last)!;
  expect(parsed.phases.map((p) => p.phase)).toEqual(JOIN_PHASES.map((p) => p.key));
  expect(parsed.phases.reduce((sum, p) => sum + p.ms, 0)).toBe(parsed.totalMs);
  expect(w.progressTexts()).toEqual(
    expect.arrayContaining([
      'your agent joined the cluster as student-alice',
      'workshop-alice is registered in Consul',
      'workshop-alice is passing in Consul',
    ]),
  );
});

test('lab:join looks every 250 ms, not every second', async () => {
  const w = world();
  w.finishCompose({ code: 0 });
  const sleeps: number[] = [];
  const sleep = w.deps.sleep;
  w.deps.sleep = (ms) => (sleeps.push(ms), sleep(ms));
  w.onPageAfterMs = 1000;
  await labJoin('join.json', OPTS, w.deps);
  expect(JOIN_POLL_MS).toBe(250);
  expect(sleeps).toEqual([250, 250, 250, 250]);
});
