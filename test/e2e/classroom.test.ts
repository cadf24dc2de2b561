/**
 * End-to-end: classroom mode in a simulated classroom (issue 12). `npm run classroom:sim -- up --students 2`, as a
 * user runs it, puts an instructor machine and two student machines (Docker in Docker, see
 * scripts/lib/classroom/sim/) on one venue LAN network and runs the people's own commands inside them
 * (lab:up --classroom, lab:join). Then, from the host, through the room's read-only API and the shared page:
 *   - both students' GitHub avatars (from the GitHub stand-in) are images on the instructor's page; alice joined with
 *     the projected line (address, code, the CA's pin), bob with join.json and the pin;
 *   - alice's own token cannot deregister bob's instance (403) and bob stays passing; an anonymous write is 403;
 *   - the room's attacks of issue 18, each of which succeeded before the room had TLS, least-privilege tokens and the
 *     page's address rules (numbers in the session notes): a rogue `consul agent -server` with the gossip key never
 *     becomes a voter and holds no token; a raw raft connection to a server's RPC port is closed at once; an agent
 *     without the gossip key never becomes a member; lab:join with a wrong --pin stops before sending the code;
 *     enrollment over plain http gets no join info and the code is in no log; a student's token re-registering its
 *     node and service outside the room for 15 s never reaches the page, and /api/ takes no PUT;
 *   - a student machine cut off the LAN leaves the page, and comes back when it is reconnected.
 * Always ends with `classroom:sim down` (also after a failure). Prints lines starting with [e2e classroom].
 */
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { execText, readContainerLogs } from '../../scripts/lib/docker/engine';
import { execIn, lastLine } from '../../scripts/lib/classroom/sim/machineExec';
import { OFFLINE_IMAGES } from '../../scripts/lib/images/buildOfflineImages';
import {
  CLASSROOM_DIR_IN_MACHINE,
  INSTRUCTOR_ADDRESS,
  INSTRUCTOR_CONTAINER,
  LAB_IN_MACHINE,
  LAN_NETWORK,
  LAN_PREFIX,
  GITHUB_API,
  INSTRUCTOR_VIEW_FORWARD_PORT,
  INSTRUCTOR_VIEW_PORT,
  ROOM_MACHINE,
  SIM_LABEL,
  SPARE_ADDRESS_FIRST,
  STUDENT_DIR_IN_MACHINE,
  studentSlot,
  type StudentSlot,
} from '../../scripts/lib/classroom/sim/layout';
import { listSimResources } from '../../scripts/lib/classroom/sim/machines';
import { SimOutputSchema, type SimOutput } from '../../scripts/lib/classroom/sim/simState';
import { PNG_SIGNATURE } from '../../scripts/lib/classroom/sim/png';
import { ROOM_MOMENTS, roomSchema, stopStartSeconds, type RoomView } from '../../services/exercises/room';
import { ensureDockerEngine, ensureDockerTools, runCommand, type DockerEngine } from '../harness/docker';
import { sleep, waitFor } from '../harness/waitFor';

const MIN = 60_000;
/** The room `up` makes: alice and bob on machines of their own, carol on the room machine; dave joins it by `add`. */
const STUDENTS = 3;
const ALICE = studentSlot(1);
const BOB = studentSlot(2);
const CAROL = studentSlot(3);
const DAVE = studentSlot(4);
/** How long a laptop sleeps (its machine paused): the 5 minutes; E2E_SLEEP_SECONDS shortens it on a dev machine. */
const SLEEP_SECONDS = Number(process.env.E2E_SLEEP_SECONDS ?? 300);
const ROGUE = 'classroom-e2e-rogue';
const ROGUE_SERVER = 'classroom-e2e-rogue-server';
const ROGUE_SERVER_ADDRESS = `${LAN_PREFIX}.51`;

const t0 = Date.now();
const timings: string[] = [];
function note(msg: string): void {
  process.stderr.write(`[e2e classroom ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
}
function timing(what: string, seconds: number): void {
  const line = `${what}: ${seconds.toFixed(1)} s`;
  timings.push(line);
  note(line);
}
const since = (start: number): number => (Date.now() - start) / 1000;

let engine: DockerEngine | undefined;
let docker: Docker;
let room: SimOutput;

// --- probes (all to 127.0.0.1: the ports classroom:sim published) ---------------------------------------------
async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}
/** Student names with a tile on the instructor's page. */
async function namesOnPage(): Promise<string[]> {
  const r = await fetch(`${room.nginx}/`, { signal: AbortSignal.timeout(5000) });
  const body = await r.text();
  const ours = new Set(room.students.map((s) => s.name));
  return [...body.matchAll(/data-id="workshop-([^"]+)"/g)].map((m) => m[1]!).filter((n) => ours.has(n));
}
/**
 * Is a student's instance passing, through the room's anonymous (read-only) API? Read from the student's node
 * (its serfHealth and the checks of service ID workshop-<name>), whatever the service's name: a student's
 * instance is registered as its own service workshop-<name> (its token writes that name only).
 */
async function studentPassing(s: StudentSlot): Promise<boolean> {
  const checks = await getJson<Array<{ CheckID: string; ServiceID: string; Status: string }>>(
    `${room.consulHttp}/v1/health/node/${s.nodeName}`,
  );
  const mine = checks.filter((c) => c.ServiceID === s.serviceId);
  return (
    checks.some((c) => c.CheckID === 'serfHealth' && c.Status === 'passing') && mine.length > 0 && mine.every((c) => c.Status === 'passing')
  );
}
async function put(path: string, body: unknown, token?: string): Promise<{ status: number; text: string }> {
  const r = await fetch(`${room.consulHttp}${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(token ? { 'x-consul-token': token } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  return { status: r.status, text: (await r.text()).trim() };
}
/** A student's own Consul token, from the state lab:join keeps on that student's machine (never printed). */
async function studentToken(container: string): Promise<string> {
  const r = await execText(docker.getContainer(container), ['cat', `${STUDENT_DIR_IN_MACHINE}/student.json`]);
  if (r.exitCode !== 0) throw new Error(`reading student.json on ${container}: ${r.stderr.trim()}`);
  const token = (JSON.parse(r.stdout) as { token?: unknown }).token;
  if (typeof token !== 'string' || !token) throw new Error(`student.json on ${container} has no token`);
  return token;
}

async function sim(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  const r = await runCommand('npm', ['run', '-s', 'classroom:sim', '--', ...args], { timeoutMs });
  note(`npm run classroom:sim -- ${args.join(' ')} → exit ${r.code} in ${r.seconds.toFixed(1)} s`);
  return r;
}

async function removeRogue(): Promise<void> {
  for (const name of [ROGUE, ROGUE_SERVER])
    await docker
      .getContainer(name)
      .remove({ force: true, v: true })
      .catch(() => undefined);
}

/** A text file on the instructor's machine (its classroom dir), read through docker exec, never printed. */
async function instructorFile(file: string): Promise<string> {
  const r = await execText(docker.getContainer(INSTRUCTOR_CONTAINER), ['cat', `${CLASSROOM_DIR_IN_MACHINE}/${file}`]);
  if (r.exitCode !== 0) throw new Error(`reading ${file} on the instructor's machine: ${r.stderr.trim()}`);
  return r.stdout;
}

/** The enrollment service's log on the instructor's machine. */
async function enrollmentLog(): Promise<string> {
  const r = await execText(docker.getContainer(INSTRUCTOR_CONTAINER), ['docker', 'logs', 'consul-lab-enrollment-1'], 15_000);
  return r.stdout + r.stderr;
}

/** Every secret the room holds: the management token, the preset tokens, the students' tokens. */
async function roomSecrets(): Promise<string[]> {
  const secrets = JSON.parse(await instructorFile('secrets.json')) as {
    managementToken: string;
    tokens: Record<string, { secretId: string }>;
  };
  return [
    secrets.managementToken,
    ...Object.values(secrets.tokens).map((t) => t.secretId),
    await studentToken(ALICE.container),
    await studentToken(BOB.container),
  ];
}

/** A throwaway container on the LAN running `script` with bash (the offline base image): a laptop on the Wi-Fi. */
async function onTheLan(script: string, timeoutMs = 20_000): Promise<string> {
  const c = await docker.createContainer({
    Image: OFFLINE_IMAGES.base,
    Cmd: ['bash', '-c', script],
    Labels: { [SIM_LABEL]: 'e2e-probe' },
    HostConfig: { NetworkMode: LAN_NETWORK },
  });
  try {
    await c.start();
    await Promise.race([c.wait(), sleep(timeoutMs).then(() => c.kill().catch(() => undefined))]);
    const { stdout, stderr } = await readContainerLogs(docker, c.id, {});
    return (stdout + stderr).trim();
  } finally {
    await c.remove({ force: true }).catch(() => undefined);
  }
}

// --- lifecycle -----------------------------------------------------------------------------------------------
let simStarted = false;

beforeAll(async () => {
  await ensureDockerTools(note);
  engine = await ensureDockerEngine(note);
  docker = engine.docker;
  const existing = await listSimResources(docker);
  if (existing.containers.length || existing.networks.length || existing.volumes.length) {
    // The simulation's label is this test's to use; on a developer's machine the classroom may be someone's.
    if (process.env.CI !== 'true' && process.env.E2E_REPLACE_CLASSROOM !== '1')
      throw new Error(
        `a simulated classroom is already there (${existing.containers.length} containers): "npm run classroom:sim -- down" first, or set E2E_REPLACE_CLASSROOM=1`,
      );
    note('removing a leftover simulated classroom first');
    await sim(['down'], 3 * MIN);
  }

  // The same cached build a user runs first (seconds when nothing changed): the machines get these images.
  const images = await runCommand('npm', ['run', '-s', 'lab:images'], { timeoutMs: 20 * MIN });
  if (images.code !== 0) throw new Error(`npm run lab:images failed (${images.code}):\n${images.stderr}`);
  timing('offline images (npm run lab:images, incl. tsc build)', images.seconds);

  simStarted = true;
  const up = await sim(['up', '--students', String(STUDENTS), '--full', '2'], 12 * MIN);
  if (up.code !== 0) throw new Error(`classroom:sim up failed (${up.code}):\n${up.stderr.split('\n').slice(-40).join('\n')}`);
  const last = up.stdout.trim().split('\n').pop() ?? '';
  room = SimOutputSchema.parse(JSON.parse(last));
  timing(`classroom:sim up --students ${STUDENTS} --full 2 (machines, images, instructor lab:up, lab:join)`, up.seconds);
  for (const s of room.students) timing(`${s.name} (${s.fidelity}): lab:join start → avatar on the instructor's page`, s.joinSeconds);
}, 35 * MIN);

afterAll(async () => {
  try {
    if (docker) await removeRogue();
    if (simStarted) {
      const left = await listSimResources(docker);
      if (left.containers.length || left.networks.length || left.volumes.length) {
        const down = await sim(['down'], 3 * MIN);
        if (down.code !== 0) note(`classroom:sim down failed: ${down.stderr.trim()}`);
      }
    }
  } finally {
    await engine?.stop();
    note(`timings:\n  ${timings.join('\n  ')}\n  students: ${STUDENTS}\n  whole e2e: ${since(t0).toFixed(1)} s`);
  }
}, 5 * MIN);

// --- the assertions ------------------------------------------------------------------------------------------
describe('a simulated classroom (classroom:sim, lab:up --classroom, lab:join)', () => {
  test(
    "both students' GitHub avatars are images on the instructor's page",
    async () => {
      expect(room.students.map((s) => [s.name, s.fidelity])).toEqual([
        [ALICE.name, 'full'],
        [BOB.name, 'full'],
        [CAROL.name, 'light'],
      ]);
      expect((await namesOnPage()).sort()).toEqual([ALICE.name, BOB.name, CAROL.name]);
      for (const s of [ALICE, BOB, CAROL]) {
        const r = await fetch(`${room.nginx}/avatars/${s.serviceId}`, { signal: AbortSignal.timeout(5000) });
        expect(r.status).toBe(200);
        // image/png: the stand-in's picture came through workshop-api (a generated avatar would be SVG).
        expect(r.headers.get('content-type')).toBe('image/png');
        expect(
          Buffer.from(await r.arrayBuffer())
            .subarray(0, 8)
            .equals(PNG_SIGNATURE),
        ).toBe(true);
      }
      expect(await studentPassing(ALICE)).toBe(true);
      expect(await studentPassing(BOB)).toBe(true);
      expect(await studentPassing(CAROL)).toBe(true);
    },
    MIN,
  );

  test(
    'add: dave joins the running room as a lighter student (his own LAN address and agent on the room machine)',
    async () => {
      const add = await sim(['add', '--students', '1'], 6 * MIN);
      expect(add.code).toBe(0);
      const after = SimOutputSchema.parse(JSON.parse(add.stdout.trim().split('\n').pop() ?? ''));
      expect(after.students.map((s) => s.name)).toEqual([ALICE.name, BOB.name, CAROL.name, DAVE.name]);
      const dave = after.students[3]!;
      expect(dave).toMatchObject({ fidelity: 'light', machine: ROOM_MACHINE, address: DAVE.address });
      expect(dave.joinSeconds).toBeGreaterThan(0);
      expect(after.labView).toBe(room.labView);
      timing(`add --students 1 (dave, light): lab:join start → avatar on the page`, dave.joinSeconds);
      room = after;
      expect((await namesOnPage()).sort()).toEqual([ALICE.name, BOB.name, CAROL.name, DAVE.name]);
      expect(await studentPassing(DAVE)).toBe(true);
      // His agent is its own member at his own address (not the room machine's).
      const members = await getJson<Array<{ Name: string; Addr: string }>>(`${room.consulHttp}/v1/agent/members`);
      expect(members.find((m) => m.Name === DAVE.nodeName)?.Addr).toBe(DAVE.address);
      expect(members.find((m) => m.Name === CAROL.nodeName)?.Addr).toBe(CAROL.address);
      // Nothing waits on the student stack's healthchecks any more, so here they are proven to pass: carol's three.
      await waitFor(
        async () => {
          const r = await execIn(
            docker,
            ROOM_MACHINE,
            ['docker', 'ps', '-q', '--filter', `label=com.docker.compose.project=lab-student-${CAROL.name}`, '--filter', 'health=healthy'],
            { timeoutMs: 20_000 },
          );
          return r.stdout.trim().split('\n').filter(Boolean).length === 3;
        },
        { timeoutMs: 90_000, intervalMs: 2000, what: "carol's three containers healthy" },
      );
    },
    7 * MIN,
  );

  test(
    "the room view: a tile per student from the instructor's lab view, and carol's stop-and-start marked with its seconds",
    async () => {
      const n = room.students.length;
      let view: RoomView | undefined;
      await waitFor(
        async () => {
          view = roomSchema.parse(await getJson(`${room.labView}/room.json`));
          return view.counters.onPage === n && view.counters.passing === n;
        },
        { timeoutMs: 90_000, intervalMs: 1000, what: `the room view showing ${n} students passing and on the page` },
      );
      expect(view!.active).toBe(true);
      expect(view!.students.map((s) => s.name).sort()).toEqual(room.students.map((s) => s.name).sort());
      expect(view!.students.every((s) => s.joined && s.agentAlive && s.checkScope === 'service')).toBe(true);
      // Exercise (b) as carol does it on her machine: stop her API, watch the tile go, start it again.
      const api = `lab-student-${CAROL.name}-workshop-api-1`;
      const stopped = await execIn(docker, ROOM_MACHINE, ['docker', 'stop', api], { timeoutMs: 60_000 });
      expect(stopped.exitCode).toBe(0);
      await waitFor(async () => !(await namesOnPage()).includes(CAROL.name), {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: 'carol off the page',
      });
      expect((await execIn(docker, ROOM_MACHINE, ['docker', 'start', api], { timeoutMs: 60_000 })).exitCode).toBe(0);
      let carol: RoomView['students'][number] | undefined;
      await waitFor(
        async () => {
          carol = roomSchema.parse(await getJson(`${room.labView}/room.json`)).students.find((s) => s.name === CAROL.name);
          return carol?.stopStart.done === true;
        },
        { timeoutMs: 2 * MIN, intervalMs: 1000, what: "carol's stop-and-start marked in the room view" },
      );
      note(`room view, carol's (b): ${stopStartSeconds(carol!.stopStart)}`);
      expect(carol!.stopStart.awayS).toBeGreaterThan(0);
      // lab:check room on the instructor's machine prints the same per student (it reads the view's /room.json).
      const checked = await execIn(docker, INSTRUCTOR_CONTAINER, ['node', `${LAB_IN_MACHINE}/dist/scripts/lab-check.js`, 'room'], {
        workingDir: LAB_IN_MACHINE,
        timeoutMs: 60_000,
      });
      // One line per student: "carol  ✓ (a) avatar on the page   ✓ (b) stopped and started their API (left in …)   ✗ (c) …".
      const line = (name: string): string => checked.stdout.split('\n').find((l) => l.trim().startsWith(`${name} `)) ?? '';
      expect(line(CAROL.name)).toContain(`✓ ${ROOM_MOMENTS.stopStart} (left in`);
      expect(line(ALICE.name)).toContain(`✓ ${ROOM_MOMENTS.register}`);
      expect(line(ALICE.name)).toContain(`✗ ${ROOM_MOMENTS.stopStart}`);
      expect(checked.exitCode).not.toBe(0); // not everyone did (b) and (c)
    },
    5 * MIN,
  );

  test(
    'exercise (c): dave re-joins with --check-scope node and kills his API; the room view marks his node critical',
    async () => {
      const join = (scope: 'node' | 'service') =>
        execIn(
          docker,
          ROOM_MACHINE,
          [
            'node',
            `${LAB_IN_MACHINE}/dist/scripts/lab-join.js`,
            `/var/lib/lab-join/${DAVE.name}.json`,
            '--name',
            DAVE.name,
            '--offline',
            '--github-api',
            GITHUB_API,
            '--advertise',
            DAVE.address,
            '--check-scope',
            scope,
          ],
          { env: DAVE.env, workingDir: LAB_IN_MACHINE, timeoutMs: 3 * MIN },
        );
      const node = await join('node');
      if (node.exitCode !== 0) throw new Error(`lab:join --check-scope node exited ${node.exitCode}: ${lastLine(node.stderr)}`);
      const killed = await execIn(docker, ROOM_MACHINE, ['docker', 'kill', `lab-student-${DAVE.name}-workshop-api-1`], {
        timeoutMs: 30_000,
      });
      expect(killed.exitCode).toBe(0);
      await waitFor(
        async () =>
          roomSchema.parse(await getJson(`${room.labView}/room.json`)).students.find((s) => s.name === DAVE.name)?.nodeCritical.seen ===
          true,
        { timeoutMs: 90_000, intervalMs: 1000, what: "dave's node-level check critical in the room view" },
      );
      // Back to the right scope, as the README says: the same command without --check-scope node.
      const back = await join('service');
      if (back.exitCode !== 0) throw new Error(`lab:join (service scope again) exited ${back.exitCode}: ${lastLine(back.stderr)}`);
      expect(await studentPassing(DAVE)).toBe(true);
    },
    8 * MIN,
  );

  test(
    "the instructor's lab view: reached from this machine, closed to a laptop on the LAN",
    async () => {
      const r = await fetch(`${room.labView}/`, { signal: AbortSignal.timeout(5000) });
      expect(r.status).toBe(200);
      expect(await r.text()).toMatch(/<html/i);
      // A student on the Wi-Fi tries the forwarded port (and the view's own, which listens on 127.0.0.1 only).
      const out = await onTheLan(
        `for port in ${INSTRUCTOR_VIEW_FORWARD_PORT} ${INSTRUCTOR_VIEW_PORT}; do ` +
          `if exec 3<>/dev/tcp/${INSTRUCTOR_ADDRESS}/$port; then printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3; ` +
          `echo "$port answered: $(timeout 5 head -c 15 <&3 | tr -d '\\r\\n')"; exec 3>&-; else echo "$port refused"; fi; done`,
      );
      note(`the lab view from the LAN: ${out.replace(/\n/g, '; ')}`);
      expect(out).toContain(`${INSTRUCTOR_VIEW_PORT} refused`);
      expect(out).not.toMatch(/answered: HTTP/);
    },
    MIN,
  );

  test(
    "alice's token cannot deregister bob's instance (403) and bob stays passing; an anonymous write is 403",
    async () => {
      // Anonymous first: after a deregistration that wrongly succeeded, the same request would only say "Unknown service ID".
      const anonymous = await put('/v1/catalog/deregister', { Node: BOB.nodeName, ServiceID: BOB.serviceId });
      const anonymousKv = await fetch(`${room.consulHttp}/v1/kv/classroom-e2e`, {
        method: 'PUT',
        body: 'x',
        signal: AbortSignal.timeout(5000),
      });
      const aliceToken = await studentToken(ALICE.container);
      const asAliceNode = await put('/v1/catalog/deregister', { Node: BOB.nodeName }, aliceToken);
      const asAlice = await put('/v1/catalog/deregister', { Node: BOB.nodeName, ServiceID: BOB.serviceId }, aliceToken);
      note(
        `alice → deregister bob's service: ${asAlice.status}; bob's node: ${asAliceNode.status}; anonymous deregister: ${anonymous.status}; anonymous KV write: ${anonymousKv.status}`,
      );
      expect({ status: asAlice.status, body: asAlice.status === 403 ? 'denied' : asAlice.text }).toEqual({ status: 403, body: 'denied' });
      expect(asAliceNode.status).toBe(403);
      expect(anonymous.status).toBe(403);
      expect(anonymousKv.status).toBe(403);
      // Still there a moment later (nothing was removed and then put back by bob's agent).
      await sleep(2000);
      expect(await studentPassing(BOB)).toBe(true);
      expect(await namesOnPage()).toContain(BOB.name);
    },
    MIN,
  );

  test(
    'intruders on the Wi-Fi: a rogue server WITH the gossip key never becomes a voter nor gets a token; an agent without the key never becomes a member',
    async () => {
      await removeRogue();
      const gossipKey = (JSON.parse(await instructorFile('join.json')) as { gossipKey: string }).gossipKey;
      // Like every Consul config of the lab: never call home (the image's entrypoint writes this to its config dir).
      const rogueServer = await docker.createContainer({
        name: ROGUE_SERVER,
        Image: OFFLINE_IMAGES.consul,
        Cmd: [
          'agent',
          '-server',
          '-node=rogue-server',
          `-retry-join=${INSTRUCTOR_ADDRESS}:8301`,
          `-bind=${ROGUE_SERVER_ADDRESS}`,
          '-disable-host-node-id',
        ],
        Env: [`CONSUL_LOCAL_CONFIG=${JSON.stringify({ disable_update_check: true, encrypt: gossipKey })}`],
        Labels: { [SIM_LABEL]: 'e2e-rogue' },
        HostConfig: { NetworkMode: LAN_NETWORK },
        NetworkingConfig: { EndpointsConfig: { [LAN_NETWORK]: { IPAMConfig: { IPv4Address: ROGUE_SERVER_ADDRESS } } } },
      });
      const noKey = await docker.createContainer({
        name: ROGUE,
        Image: OFFLINE_IMAGES.consul,
        Cmd: [
          'agent',
          '-node=rogue-laptop',
          `-retry-join=${INSTRUCTOR_ADDRESS}:8301`,
          `-bind=${SPARE_ADDRESS_FIRST}`,
          '-disable-host-node-id',
        ],
        Env: ['CONSUL_LOCAL_CONFIG={"disable_update_check": true}'],
        Labels: { [SIM_LABEL]: 'e2e-rogue' },
        HostConfig: { NetworkMode: LAN_NETWORK },
        NetworkingConfig: { EndpointsConfig: { [LAN_NETWORK]: { IPAMConfig: { IPv4Address: SPARE_ADDRESS_FIRST } } } },
      });
      await rogueServer.start();
      await noKey.start();
      try {
        // The server with the key does get into the gossip pool (Consul CE cannot stop a key holder): from then, 40 s.
        await waitFor(
          async () =>
            (await getJson<Array<{ Name: string }>>(`${room.consulHttp}/v1/agent/members`)).some((m) => m.Name === 'rogue-server'),
          { timeoutMs: 60_000, intervalMs: 500, what: 'the rogue server in the gossip pool' },
        );
        const joined = Date.now();
        let voter = false;
        let inRaft = false;
        while (Date.now() - joined < 40_000) {
          const cfg = await getJson<{ Servers: Array<{ Node: string; Voter: boolean }> }>(
            `${room.consulHttp}/v1/operator/raft/configuration`,
          );
          const rogue = cfg.Servers.find((s) => s.Node === 'rogue-server');
          inRaft ||= !!rogue;
          voter ||= !!rogue?.Voter;
          const members = await getJson<Array<{ Name: string }>>(`${room.consulHttp}/v1/agent/members`);
          expect(members.map((m) => m.Name)).not.toContain('rogue-laptop');
          await sleep(1000);
        }
        const secrets = await roomSecrets();
        const found = await execText(
          docker.getContainer(ROGUE_SERVER),
          ['sh', '-c', 'cat $(find /consul/data -type f) 2>/dev/null'],
          15_000,
        );
        const leaked = secrets.filter((s) => found.stdout.includes(s)).length;
        note(
          `rogue server: added to raft ${inRaft ? 'as a non-voter' : 'not at all'}, voter: ${voter}; secrets of the room in its data dir: ${leaked} of ${secrets.length}`,
        );
        expect(voter).toBe(false);
        expect(leaked).toBe(0);
        expect(found.stdout.length).toBeGreaterThan(0);
        const { stdout, stderr } = await readContainerLogs(docker, ROGUE, {});
        const why = `${stdout}\n${stderr}`.split('\n').filter((l) => /decrypt|encrypt|keyring/i.test(l) && /join|receive|fail/i.test(l));
        note(`the agent without the key is no member; its log: ${why[0]?.trim().slice(0, 200) ?? '(nothing)'}`);
        expect(why.length).toBeGreaterThan(0);
      } finally {
        await removeRogue();
        // The leader added the rogue as a non-voter: take it out of the raft configuration again (management token).
        const mgmt = readFileSync(room.managementTokenFile, 'utf8').trim();
        await fetch(`${room.consulHttp}/v1/operator/raft/peer?address=${ROGUE_SERVER_ADDRESS}:8300`, {
          method: 'DELETE',
          headers: { 'x-consul-token': mgmt },
          signal: AbortSignal.timeout(5000),
        }).catch(() => undefined);
      }
    },
    3 * MIN,
  );

  test(
    "a raw connection to each server's RPC port that speaks raft (0x01) is closed within 2 s; the leader is unchanged",
    async () => {
      const leader = await getJson<string>(`${room.consulHttp}/v1/status/leader`);
      const out = await onTheLan(
        [8300, 8310, 8320]
          .map(
            (port) =>
              `exec 3<>/dev/tcp/${INSTRUCTOR_ADDRESS}/${port} && printf '\\x01' >&3 && t0=$(date +%s%N) && ` +
              `if timeout 5 cat <&3 >/dev/null; then echo "${port} closed $(( ($(date +%s%N) - t0) / 1000000 ))"; else echo "${port} open"; fi; exec 3>&-`,
          )
          .join('; '),
      );
      note(`raw raft connections: ${out.replace(/\n/g, ', ')}`);
      const closed = [...out.matchAll(/^(\d+) closed (\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])] as const);
      expect(closed.map(([p]) => p)).toEqual([8300, 8310, 8320]);
      for (const [, ms] of closed) expect(ms).toBeLessThan(2000);
      expect(await getJson<string>(`${room.consulHttp}/v1/status/leader`)).toBe(leader);
    },
    MIN,
  );

  test(
    'lab:join with a wrong --pin stops before sending the code; plain http gets no join info; the code is in no log',
    async () => {
      const code = (JSON.parse(await instructorFile('join.json')) as { joinCode: string }).joinCode;
      const before = (await enrollmentLog()).split('\n').length;
      const r = await execIn(
        docker,
        ALICE.container,
        [
          'node',
          `${LAB_IN_MACHINE}/dist/scripts/lab-join.js`,
          INSTRUCTOR_ADDRESS,
          '--code',
          code,
          '--pin',
          '0123456789abcdef',
          '--name',
          'mallory',
          '--offline',
        ],
        { env: ['LAB_STUDENT_DIR=/tmp/e2e-wrong-pin'], workingDir: LAB_IN_MACHINE, timeoutMs: 60_000 },
      );
      note(`lab:join --pin <wrong>: exit ${r.exitCode}: ${lastLine(r.stderr)}`);
      expect(r.exitCode).toBe(1);
      expect(lastLine(r.stderr)).toMatch(/does not match --pin 0123456789abcdef/);
      // The service saw no request: nothing logged since (a request with the code would log "join-info served").
      await sleep(1000);
      expect((await enrollmentLog()).split('\n').length).toBe(before);

      // Plain http on the enrollment port: no join info (the TLS-only answer), from a laptop on the LAN.
      const http = await onTheLan(
        `exec 3<>/dev/tcp/${INSTRUCTOR_ADDRESS}/8099 && printf 'POST /v1/join-info HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: ${code.length + 11}\\r\\n\\r\\n{"code":"${code}"}' >&3 && timeout 5 cat <&3`,
      );
      note(`plain http to the enrollment port: ${http.split('\n').pop()}`);
      expect(http).not.toContain('gossipKey');
      expect(http).toMatch(/use https/);
      const log = await enrollmentLog();
      expect(log).toMatch(/student enrolled/);
      expect(log).not.toContain(code);
    },
    2 * MIN,
  );

  test(
    "a student's token rewriting its node and service address outside the room for 15 s never reaches the page; /api/ takes no PUT",
    async () => {
      const token = await studentToken(ALICE.container);
      const outside = ['10.213.50.21', INSTRUCTOR_ADDRESS, `${LAN_PREFIX}.1`, '127.0.0.1', '192.0.2.1'];
      let writes = 0;
      let seen = 0;
      let reads = 0;
      const started = Date.now();
      try {
        while (Date.now() - started < 15_000) {
          for (const a of outside) {
            const r = await put(
              '/v1/catalog/register',
              { Node: ALICE.nodeName, Address: a, Service: { ID: ALICE.serviceId, Service: ALICE.serviceId, Address: a, Port: 8500 } },
              token,
            );
            if (r.status === 200) writes++;
            // Each write makes consul-template reload nginx, which closes idle keep-alive connections: a read that
            // meets one closing fails and proves nothing either way; it is not counted (the reads that are must be many).
            // Only a real page counts (the room's per-address limit may answer 429 to this loop).
            const page = await fetch(`${room.nginx}/`, { signal: AbortSignal.timeout(5000) }).then(
              async (res) => (res.status === 200 ? res.text() : (await res.body?.cancel(), undefined)),
              () => undefined,
            );
            if (page === undefined) continue;
            reads++;
            if (outside.some((o) => page.includes(`${o}:8500`))) seen++;
          }
        }
        note(`outside the room: ${writes} re-registrations accepted by Consul in 15 s; of ${reads} page reads, ${seen} showed one`);
        expect(writes).toBeGreaterThan(10);
        expect(reads).toBeGreaterThan(writes / 2);
        expect(seen).toBe(0);
        const putApi = await fetch(`${room.nginx}/api/v1/kv/x`, { method: 'PUT', body: 'x', signal: AbortSignal.timeout(5000) });
        expect(putApi.status).toBe(403);
        expect(putApi.headers.get('content-security-policy')).toBe('sandbox');
      } finally {
        // Put alice's node and instance back where her agent has them (its anti-entropy would, within a minute or two).
        await put(
          '/v1/catalog/register',
          {
            Node: ALICE.nodeName,
            Address: ALICE.address,
            Service: { ID: ALICE.serviceId, Service: ALICE.serviceId, Address: ALICE.address, Port: 8081 },
          },
          token,
        );
        await waitFor(async () => (await namesOnPage()).includes(ALICE.name), {
          timeoutMs: 3 * MIN,
          intervalMs: 500,
          what: 'alice back on the page after the attack',
        });
      }
    },
    5 * MIN,
  );

  test(
    'a student machine cut off the LAN leaves the page, and is back after it is reconnected',
    async () => {
      const lan = docker.getNetwork(LAN_NETWORK);
      // Both on the page first (after a failed deregister test, bob's agent puts bob back within its anti-entropy sync).
      await waitFor(async () => (await namesOnPage()).length === room.students.length, {
        timeoutMs: 2 * MIN,
        intervalMs: 500,
        what: 'every student on the page',
      });
      const cut = Date.now();
      await lan.disconnect({ Container: ALICE.container });
      try {
        await waitFor(async () => !(await namesOnPage()).includes(ALICE.name), {
          timeoutMs: 90_000,
          intervalMs: 250,
          what: 'alice off the page',
        });
        timing('partition: alice off the page', since(cut));
        expect(await namesOnPage()).toContain(BOB.name);
      } finally {
        const back = Date.now();
        await lan.connect({ Container: ALICE.container, EndpointConfig: { IPAMConfig: { IPv4Address: ALICE.address } } });
        await waitFor(async () => (await namesOnPage()).includes(ALICE.name), {
          timeoutMs: 3 * MIN,
          intervalMs: 250,
          what: 'alice back on the page',
        });
        timing('reconnected: alice back on the page', since(back));
      }
      expect(await studentPassing(ALICE)).toBe(true);
      expect(await studentPassing(BOB)).toBe(true);
    },
    6 * MIN,
  );

  test(
    "the instructor's machine restarts mid-class (lab:down, lab:up --classroom --resume): the room comes back by itself",
    async () => {
      const inInstructor = (args: string[], timeoutMs: number) =>
        execIn(docker, INSTRUCTOR_CONTAINER, ['node', ...args], {
          env: [`LAB_CLASSROOM_DIR=${CLASSROOM_DIR_IN_MACHINE}`],
          workingDir: LAB_IN_MACHINE,
          timeoutMs,
        });
      const everyone = room.students.map((s) => s.name).sort();
      const down = await inInstructor([`${LAB_IN_MACHINE}/dist/scripts/lab-down.js`], 3 * MIN);
      expect(down.exitCode).toBe(0);
      expect(await namesOnPage().catch(() => [])).toEqual([]);
      const start = Date.now();
      // The page is watched while lab:up runs: it may refill before lab:up has finished its own checks.
      let refilled: number | undefined;
      const watching = waitFor(
        async () => {
          const ok = (await namesOnPage().catch(() => [])).sort().join() === everyone.join();
          if (ok) refilled ??= since(start);
          return ok;
        },
        { timeoutMs: 6 * MIN, intervalMs: 500, what: 'every student back on the page' },
      );
      const up = await inInstructor(
        [
          `${LAB_IN_MACHINE}/dist/scripts/lab-up.js`,
          '--classroom',
          '--resume',
          '--offline',
          '--no-build',
          '--lan-address',
          INSTRUCTOR_ADDRESS,
        ],
        10 * MIN,
      );
      if (up.exitCode !== 0)
        throw new Error(`lab:up --classroom --resume exited ${up.exitCode}: ${lastLine(up.stderr) || lastLine(up.stdout)}`);
      expect(up.stdout).toContain('class resumed');
      timing('instructor restart: lab:up --resume start → lab:up done', since(start));
      await watching;
      timing('instructor restart: lab:up --resume start → every student back on the page', refilled ?? since(start));
      // Nobody re-ran lab:join: their tokens (in raft, kept) still work, and the roster is green.
      for (const s of [ALICE, BOB]) {
        const self = await fetch(`${room.consulHttp}/v1/acl/token/self`, {
          headers: { 'x-consul-token': await studentToken(s.container) },
          signal: AbortSignal.timeout(5000),
        });
        expect(self.status).toBe(200);
      }
      const roster = await inInstructor([`${LAB_IN_MACHINE}/dist/scripts/lab-roster.js`], 2 * MIN);
      expect(roster.exitCode).toBe(0);
      const n = room.students.length;
      expect(roster.stdout).toContain(`${n} joined, ${n} agents alive, ${n} APIs passing, ${n} on the page`);
    },
    12 * MIN,
  );

  test(
    `a student's laptop sleeps ${SLEEP_SECONDS} s (its machine paused) and wakes: back on the page without doing anything`,
    async () => {
      const machine = docker.getContainer(BOB.container);
      const slept = Date.now();
      await machine.pause();
      try {
        await waitFor(async () => !(await namesOnPage()).includes(BOB.name), {
          timeoutMs: 90_000,
          intervalMs: 500,
          what: 'bob off the page while his laptop sleeps',
        });
        timing('sleep: bob off the page', since(slept));
        const left = SLEEP_SECONDS * 1000 - (Date.now() - slept);
        if (left > 0) await sleep(left);
      } finally {
        await machine.unpause();
      }
      const woke = Date.now();
      await waitFor(async () => (await namesOnPage()).includes(BOB.name), {
        timeoutMs: 3 * MIN,
        intervalMs: 250,
        what: 'bob back on the page after waking',
      });
      timing(`sleep ${SLEEP_SECONDS} s: woke → bob back on the page`, since(woke));
      expect(await studentPassing(BOB)).toBe(true);
      // His tile in the instructor's room view too (the view's watches came through the instructor restart).
      await waitFor(
        async () => {
          const bob = roomSchema.parse(await getJson(`${room.labView}/room.json`)).students.find((s) => s.name === BOB.name);
          return bob?.apiPassing === true && bob.onPage === true;
        },
        { timeoutMs: 60_000, intervalMs: 1000, what: "bob's tile back in the room view" },
      );
      timing(`sleep ${SLEEP_SECONDS} s: woke → bob's tile back in the room view`, since(woke));
    },
    (SLEEP_SECONDS + 6 * 60) * 1000,
  );

  test(
    'classroom:sim down removes every container, network and volume it made',
    async () => {
      const down = await sim(['down'], 3 * MIN);
      expect(down.code).toBe(0);
      timing('classroom:sim down', down.seconds);
      const left = await listSimResources(docker);
      expect(left).toEqual({ containers: [], networks: [], volumes: [] });
    },
    4 * MIN,
  );
});
