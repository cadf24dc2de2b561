// `classroom:sim up` / `down`: a whole classroom on one Docker engine. Machines (containers running their own
// dockerd) on a venue LAN network, the lab's images loaded into each, then the people's own commands run inside
// them with `docker exec`: the instructor's `lab:up --classroom`, each student's `lab:join`. See
// README.md "Try it alone: the simulated classroom" and scripts/lib/classroom/sim/layout.ts for the layout.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { UsageError } from '../../../../services/shared/errors';
import { registerSecret } from '../../../../services/shared/secrets';
import { OFFLINE_IMAGES } from '../../images/buildOfflineImages';
import { setupAndBuildOfflineImages } from '../../images/setup';
import { checkHost, findComposePlugin, machineBinds, outsideSymlinkTargets } from './hostMounts';
import { loadImages, saveImages } from './imageTransfer';
import {
  CLASSROOM_DIR_IN_MACHINE,
  GITHUB_API,
  GITHUB_ADDRESS,
  GITHUB_CONTAINER,
  INSTRUCTOR_ADDRESS,
  INSTRUCTOR_CONTAINER,
  INSTRUCTOR_PAGE_PORT,
  INSTRUCTOR_ROOM_API_PORT,
  INSTRUCTOR_VIEW_FORWARD_PORT,
  INSTRUCTOR_VIEW_PORT,
  DEFAULT_FULL_STUDENTS,
  JOIN_FILE_IN_MACHINE,
  LAB_IN_MACHINE,
  LAN_GATEWAY,
  LAN_NETWORK,
  LAN_SUBNET,
  MAX_STUDENTS,
  ROOM_MACHINE,
  ROOM_MACHINE_ADDRESS,
  SIM_LABEL,
  VIEW_FORWARD_CONTAINER,
  VIEW_FORWARD_ROLE,
  type StudentSlot,
  studentSlot,
  studentSlots,
} from './layout';
import { execIn, execOk, lastLine } from './machineExec';
import { parseStudentJoinCommand } from '../instructorEnv';
import { parseJoinInfo } from '../joinInfo';
import { caPin } from '../tls';
import { findJoinBreakdown } from '../joinBreakdown';
import { ensureMachineImage } from './machineImage';
import {
  ensureLan,
  listSimResources,
  publishedPort,
  removeSimResources,
  startGithubStandin,
  startMachine,
  waitForMachineDocker,
} from './machines';
import {
  type SimOutput,
  type SimStudent,
  TOKEN_FILE,
  ensureSimDir,
  readState,
  removeSimDir,
  simDir,
  writeSecretFile,
  writeState,
} from './simState';

export type Say = (line: string) => void;

export interface UpOptions {
  docker: Docker;
  repoRoot: string;
  students: number;
  /** How many of them get a machine (an engine) of their own (default 2); the rest share the room machine. */
  full?: number;
  say: Say;
  /** Leave a failed up's machines running to look into (default: remove everything it started). */
  keepOnFailure?: boolean;
  /** false: use the offline images as they are (no cached rebuild first). */
  build?: boolean;
  /** Shared with the caller's signal handler (made here when not given). */
  cleanup?: UpCleanup;
}

/**
 * Removing what an `up` started, once, whoever asks first: the failure path and a Ctrl-C arriving at the same
 * time share one removal (two racing removals left volumes behind).
 */
export class UpCleanup {
  private running?: Promise<void>;
  private readonly paths: string[] = [];
  constructor(
    private readonly docker: Docker,
    private readonly dir: string,
    private readonly say: Say,
  ) {}

  /** A temporary path (the image tars) to delete with the rest. */
  addPath(p: string): void {
    this.paths.push(p);
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      await removeSimResources(this.docker, this.say, 5).catch((e: Error) => this.say(`clean-up failed: ${e.message.split('\n')[0]}`));
      removeSimDir(this.dir);
      for (const p of this.paths) rmSync(p, { recursive: true, force: true });
    })();
    return this.running;
  }
}

export type UpResult = { already: true; output: SimOutput } | { already: false; output: SimOutput };

/** Images each machine gets (the instructor also runs the shared Nginx page). */
const STUDENT_IMAGES = [OFFLINE_IMAGES.consul, OFFLINE_IMAGES.services];
const INSTRUCTOR_EXTRA_IMAGES = [OFFLINE_IMAGES.nginx];

/** Run `fn` over `items`, at most `limit` at a time (2 cores: loading 5 machines at once only thrashes). */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function imageMissing(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return false;
  } catch {
    return true;
  }
}

/**
 * Is a complete classroom already up (the state file of a finished up, and each of its containers running)?
 * Then `up` prints it again rather than rebuilding a room the caller may be using.
 */
async function runningClassroom(docker: Docker, dir: string): Promise<SimOutput | undefined> {
  const state = readState(dir);
  if (!state) return undefined;
  const { containers } = await listSimResources(docker);
  const running = new Set(containers.filter((c) => c.running).map((c) => c.name));
  const needed = [INSTRUCTOR_CONTAINER, ...new Set(state.students.map((s) => s.machine))];
  return needed.every((n) => running.has(n)) ? state : undefined;
}

export async function classroomUp(opts: UpOptions): Promise<UpResult> {
  const { docker, repoRoot, say } = opts;
  checkHost(repoRoot);
  const dir = simDir(repoRoot);

  const current = await runningClassroom(docker, dir);
  if (current) {
    if (
      current.students.length !== opts.students ||
      (opts.full !== undefined && current.fullStudents !== Math.min(opts.full, opts.students))
    )
      throw new Error(
        `the simulated classroom is already up with ${current.students.length} students (${current.fullStudents} on machines of their own): "npm run classroom:sim -- add --students N" joins more, "down" first starts another`,
      );
    return { already: true, output: current };
  }
  const leftovers = await listSimResources(docker);
  if (leftovers.containers.length || leftovers.networks.length || leftovers.volumes.length) {
    say(
      `found leftovers of an earlier, unfinished classroom (${leftovers.containers.length} containers, ${leftovers.networks.length} networks, ${leftovers.volumes.length} volumes): removing them first`,
    );
    await removeSimResources(docker, say, 5);
  }
  removeSimDir(dir);

  // The same cached build as lab:images / lab:up --offline (seconds when nothing changed): the machines run
  // /lab/dist's scripts, and the services image must hold the same code (a stale one ran an older enrollment).
  if (opts.build !== false) await setupAndBuildOfflineImages({ repoRoot, docker, progress: (m) => say(`images: ${m}`) });
  // A container with one of our names that is not ours (no label) would stop up half-way: say so before anything starts.
  for (const name of [
    GITHUB_CONTAINER,
    INSTRUCTOR_CONTAINER,
    ROOM_MACHINE,
    VIEW_FORWARD_CONTAINER,
    ...studentSlots(opts.students, opts.full).map((s) => s.container),
  ]) {
    const foreign = await docker
      .getContainer(name)
      .inspect()
      .then((info) => !info.Config.Labels?.[SIM_LABEL])
      .catch(() => false);
    if (foreign) throw new Error(`a container named ${name} exists and was not made by classroom:sim: remove or rename it first`);
  }
  for (const tag of [OFFLINE_IMAGES.base, ...STUDENT_IMAGES, ...INSTRUCTOR_EXTRA_IMAGES]) {
    if (await imageMissing(docker, tag)) throw new Error(`${tag} not found: run "npm run lab:images" first`);
  }
  const composePlugin = findComposePlugin();
  const binds = machineBinds(repoRoot, process.execPath, composePlugin);
  await ensureMachineImage(docker, repoRoot, say);

  const cleanup = opts.cleanup ?? new UpCleanup(docker, dir, say);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'classroom-sim-'));
  cleanup.addPath(tmp);
  try {
    return { already: false, output: await buildClassroom(opts, dir, tmp, binds) };
  } catch (err) {
    if (opts.keepOnFailure)
      say('up failed: leaving its machines as they are (--keep-on-failure); "npm run classroom:sim -- down" removes them');
    else {
      say('up failed: removing what it started');
      await cleanup.run();
    }
    throw err;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A machine to start: a laptop, the room machine or the instructor's. */
interface MachineToStart {
  container: string;
  address: string;
  role: string;
  publish?: number[];
  /** The instructor's machine also runs the shared Nginx page. */
  instructor?: boolean;
}

/** The machines `slots` need that are not there yet: a full student's own, the room machine for lighter ones. */
async function missingStudentMachines(docker: Docker, slots: StudentSlot[]): Promise<MachineToStart[]> {
  const wanted = new Map<string, MachineToStart>();
  for (const s of slots) {
    if (s.fidelity === 'full') wanted.set(s.container, { container: s.container, address: s.address, role: `student-${s.index}` });
    else wanted.set(ROOM_MACHINE, { container: ROOM_MACHINE, address: ROOM_MACHINE_ADDRESS, role: 'room' });
  }
  const out: MachineToStart[] = [];
  for (const m of wanted.values()) {
    const exists = await docker
      .getContainer(m.container)
      .inspect()
      .then(() => true)
      .catch(() => false);
    if (!exists) out.push(m);
  }
  return out;
}

/** Start machines, wait for their engines, load the lab's images into each (2 at a time: 2 cores). */
async function bringUpMachines(docker: Docker, machines: MachineToStart[], binds: string[], tmp: string, say: Say): Promise<void> {
  if (!machines.length) return;
  for (const m of machines)
    await startMachine(docker, { container: m.container, address: m.address, role: m.role, binds, publish: m.publish });
  say(`started ${machines.length} machines: ${machines.map((m) => `${m.container} (${m.address})`).join(', ')}`);
  // The images: saved once while the machines' engines start, loaded into each.
  const tSave = Date.now();
  const commonTar = path.join(tmp, 'lab-images.tar');
  const nginxTar = path.join(tmp, 'nginx-image.tar');
  const withNginx = machines.some((m) => m.instructor);
  const [commonBytes, nginxBytes] = await Promise.all([
    saveImages(STUDENT_IMAGES, commonTar),
    withNginx ? saveImages(INSTRUCTOR_EXTRA_IMAGES, nginxTar) : Promise.resolve(0),
  ]);
  say(`docker save: ${Math.round((commonBytes + nginxBytes) / 1024 / 1024)} MB in ${secs(tSave)}`);
  await Promise.all(
    machines.map(async (m) => {
      const waited = await waitForMachineDocker(docker, m.container);
      say(`${m.container}: its dockerd answers (${waited.toFixed(1)} s)`);
    }),
  );
  const tLoad = Date.now();
  await mapLimit(machines, 2, async (m) => {
    const s = await loadImages(docker, m.container, commonTar, say);
    const extra = m.instructor ? await loadImages(docker, m.container, nginxTar, say) : 0;
    say(`${m.container}: images loaded in ${(s + extra).toFixed(1)} s`);
  });
  say(`images in ${machines.length} machines after ${secs(tLoad)}`);
}

/** Each lighter student's own LAN address, on the room machine's LAN interface (idempotent). */
async function giveRoomAddresses(docker: Docker, slots: StudentSlot[], say: Say): Promise<void> {
  const light = slots.filter((s) => s.fidelity === 'light');
  if (!light.length) return;
  const script = light.map((s) => `ip addr replace ${s.address}/24 dev eth0`).join(' && ');
  await execOk(docker, ROOM_MACHINE, ['sh', '-c', script]);
  say(`${ROOM_MACHINE}: LAN addresses ${light[0]!.address}…${light[light.length - 1]!.address} (${light.length} students)`);
}

function secs(from: number): string {
  return `${((Date.now() - from) / 1000).toFixed(1)} s`;
}

/** How many lighter students run lab:join at once on the room machine (2 cores: more only queue). */
const LIGHT_JOINS_AT_ONCE = 4;

/**
 * The students join as people do, each running lab:join: odd ones type the projected line, even ones got join.json
 * handed over (a USB stick, the room's chat) and type the pin from the projector. Full students all at once; lighter
 * ones a few at a time on their shared machine, alongside.
 */
async function joinStudents(
  docker: Docker,
  slots: StudentSlot[],
  room: RoomJoin,
  say: Say,
): Promise<{ students: SimStudent[]; failure?: unknown }> {
  const how = (s: StudentSlot): JoinHow =>
    s.index % 2 === 1 ? { kind: 'line', ...room.projected } : { kind: 'file', joinJson: room.joinJson, pin: room.projected.pin };
  const joined: SimStudent[] = [];
  let failure: unknown;
  const one = async (s: StudentSlot): Promise<void> => {
    if (failure !== undefined) return; // one failed: the rest do not start (the error says which)
    try {
      joined.push(await joinStudent(docker, s, how(s), say));
    } catch (err) {
      failure ??= err;
    }
  };
  await Promise.all([
    Promise.all(slots.filter((s) => s.fidelity === 'full').map(one)),
    mapLimit(
      slots.filter((s) => s.fidelity === 'light'),
      LIGHT_JOINS_AT_ONCE,
      one,
    ),
  ]);
  return { students: joined.sort((a, b) => a.index - b.index), failure };
}

/** What a student needs to join this room: the projected line, and join.json for the ones handed the file. */
interface RoomJoin {
  projected: { lan: string; joinCode: string; pin: string };
  joinJson: string;
}

/** The join info as a student gets it, read from the instructor's machine (join.json; the pin is its CA's). */
async function roomJoinFromInstructor(docker: Docker): Promise<RoomJoin> {
  const joinJson = (await execOk(docker, INSTRUCTOR_CONTAINER, ['cat', `${CLASSROOM_DIR_IN_MACHINE}/join.json`])).stdout;
  const info = parseJoinInfo(joinJson, 'join.json');
  registerSecret(info.gossipKey);
  registerSecret(info.joinCode);
  return { projected: { lan: info.instructor, joinCode: info.joinCode, pin: caPin(info.ca) }, joinJson };
}

/**
 * The instructor's lab view from this machine: a forwarder container in the instructor machine's network namespace
 * (so it reaches the view on that machine's 127.0.0.1) listening on the machine's published port, for the LAN
 * gateway (this host) only. A container rather than a process started by `docker exec`: nothing of it stays tied to
 * this process. Returns the URL once the view answers.
 */
async function forwardLabView(docker: Docker, repoRoot: string): Promise<string> {
  const c = await docker.createContainer({
    name: VIEW_FORWARD_CONTAINER,
    Image: OFFLINE_IMAGES.services,
    Cmd: [
      'node',
      `${LAB_IN_MACHINE}/dist/scripts/lib/classroom/sim/viewForward.js`,
      INSTRUCTOR_ADDRESS,
      String(INSTRUCTOR_VIEW_FORWARD_PORT),
      String(INSTRUCTOR_VIEW_PORT),
      LAN_GATEWAY,
    ],
    Labels: { [SIM_LABEL]: VIEW_FORWARD_ROLE },
    HostConfig: {
      Binds: [`${repoRoot}:${LAB_IN_MACHINE}:ro`, ...outsideSymlinkTargets(repoRoot).map((t) => `${t}:${t}:ro`)],
      NetworkMode: `container:${INSTRUCTOR_CONTAINER}`,
    },
  });
  await c.start();
  const url = `http://127.0.0.1:${await publishedPort(docker, INSTRUCTOR_CONTAINER, INSTRUCTOR_VIEW_FORWARD_PORT)}`;
  const t0 = Date.now();
  let last = '';
  while (Date.now() - t0 < 30_000) {
    // A ref'd timer, not AbortSignal.timeout (unref'd): docker-proxy accepts and then holds a connection while the
    // forwarder is not listening yet, and with nothing else pending node would exit here with code 0 and no output.
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Error('no answer within 3 s')), 3000);
    const r = await fetch(`${url}/`, { signal: ac.signal })
      .catch((e: Error) => e)
      .finally(() => clearTimeout(timer));
    if (!(r instanceof Error) && r.ok) return url;
    last = r instanceof Error ? r.message : `HTTP ${r.status}`;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`the instructor's lab view did not answer through ${url} within 30 s (${last})`);
}

async function buildClassroom(opts: UpOptions, dir: string, tmp: string, binds: string[]): Promise<SimOutput> {
  const { docker, repoRoot, say } = opts;
  const full = Math.min(opts.full ?? DEFAULT_FULL_STUDENTS, opts.students);
  const slots = studentSlots(opts.students, full);
  const t0 = Date.now();

  // 1. The venue: LAN, GitHub stand-in, the laptops (each starting its own dockerd), their images.
  await ensureLan(docker);
  say(`network ${LAN_NETWORK} (${LAN_SUBNET})`);
  await startGithubStandin(
    docker,
    repoRoot,
    outsideSymlinkTargets(repoRoot).map((t) => `${t}:${t}:ro`),
  );
  say(`GitHub stand-in at ${GITHUB_API} (${GITHUB_ADDRESS})`);
  const instructor: MachineToStart = {
    container: INSTRUCTOR_CONTAINER,
    address: INSTRUCTOR_ADDRESS,
    role: 'instructor',
    publish: [INSTRUCTOR_ROOM_API_PORT, INSTRUCTOR_PAGE_PORT, INSTRUCTOR_VIEW_FORWARD_PORT],
    instructor: true,
  };
  await bringUpMachines(docker, [instructor, ...(await missingStudentMachines(docker, slots))], binds, tmp, say);
  await giveRoomAddresses(docker, slots, say);

  // 2. The instructor: exactly what the instructor types (lab:up --classroom), in the instructor's machine.
  const tInstr = Date.now();
  const labUp = [
    'node',
    `${LAB_IN_MACHINE}/dist/scripts/lab-up.js`,
    '--classroom',
    '--offline',
    '--no-build',
    '--lan-address',
    INSTRUCTOR_ADDRESS,
  ];
  say(`instructor: ${labUp.join(' ')}`);
  const up = await execIn(docker, INSTRUCTOR_CONTAINER, labUp, {
    env: [`LAB_CLASSROOM_DIR=${CLASSROOM_DIR_IN_MACHINE}`],
    workingDir: LAB_IN_MACHINE,
    onLine: (line) => {
      if (line.trim()) say(`instructor | ${line}`);
    },
    keepOutput: true,
    timeoutMs: 10 * 60_000,
  });
  if (up.exitCode !== 0)
    throw new Error(`lab:up --classroom on the instructor's machine exited ${up.exitCode}: ${lastLine(up.stderr) || lastLine(up.stdout)}`);
  say(`instructor: lab is up in ${secs(tInstr)}`);
  // The line the instructor projects: what a student types (address, code, the CA's pin).
  const projected = parseStudentJoinCommand(up.stdout);
  if (!projected)
    throw new Error('lab:up --classroom printed no student command (npm run lab:join -- <address> --code <code> --pin <pin> --name ...)');
  const room = await roomJoinFromInstructor(docker);
  if (room.projected.pin !== projected.pin || room.projected.joinCode !== projected.joinCode)
    throw new Error("the instructor's projected line and join.json disagree (code or pin): not one class");
  say('instructor: join info read (join.json, the CA pin)');
  const labView = await forwardLabView(docker, repoRoot);
  say(`instructor: lab view reachable from this machine at ${labView}`);

  // The instructor's management token: read through docker exec, never printed.
  const managementToken = (
    await execOk(docker, INSTRUCTOR_CONTAINER, ['cat', `${CLASSROOM_DIR_IN_MACHINE}/management.token`])
  ).stdout.trim();
  registerSecret(managementToken);
  ensureSimDir(dir);
  const tokenFile = path.join(dir, TOKEN_FILE);
  writeSecretFile(tokenFile, managementToken + '\n');

  // 3. The students, all at once (a class joins together).
  const { students, failure } = await joinStudents(docker, slots, room, say);
  if (failure !== undefined) throw failure;

  const output: SimOutput = {
    consulHttp: `http://127.0.0.1:${await publishedPort(docker, INSTRUCTOR_CONTAINER, INSTRUCTOR_ROOM_API_PORT)}`,
    nginx: `http://127.0.0.1:${await publishedPort(docker, INSTRUCTOR_CONTAINER, INSTRUCTOR_PAGE_PORT)}`,
    labView,
    managementTokenFile: tokenFile,
    lan: { network: LAN_NETWORK, subnet: LAN_SUBNET, instructor: INSTRUCTOR_ADDRESS, github: GITHUB_ADDRESS },
    fullStudents: full,
    students,
  };
  writeState(dir, output);
  say(`classroom up: instructor + ${students.length} students (${full} on machines of their own) in ${secs(t0)}`);
  return output;
}

export interface AddOptions {
  docker: Docker;
  repoRoot: string;
  /** How many students join. */
  students: number;
  /** How many of them get a machine (an engine) of their own (default 0: they join the room machine). */
  full?: number;
  say: Say;
}

/**
 * `classroom:sim add`: N more students join the running room (after the ones there): the first `full` of them on a
 * machine of their own, the rest lighter ones on the room machine. Returns the room's JSON with every student. A failed join leaves the room as it
 * is, with the students who made it recorded.
 */
export async function classroomAdd(opts: AddOptions): Promise<SimOutput> {
  const { docker, repoRoot, say } = opts;
  checkHost(repoRoot);
  const dir = simDir(repoRoot);
  const state = await runningClassroom(docker, dir);
  if (!state) throw new Error('no simulated classroom is up: start one with "npm run classroom:sim -- up"');
  const next = Math.max(0, ...state.students.map((s) => s.index)) + 1;
  if (next + opts.students - 1 > MAX_STUDENTS)
    throw new UsageError(`--students ${opts.students}: the room has ${state.students.length} and holds at most ${MAX_STUDENTS}`);
  // The first `full` of them get a machine of their own (a laptop joining a full room, as a person's would).
  const full = opts.full ?? 0;
  const slots = Array.from({ length: opts.students }, (_, k) => studentSlot(next + k, k < full ? next + k : 0));
  const t0 = Date.now();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'classroom-sim-'));
  try {
    const missing = await missingStudentMachines(docker, slots);
    if (missing.length) {
      const binds = machineBinds(repoRoot, process.execPath, findComposePlugin());
      await bringUpMachines(docker, missing, binds, tmp, say);
    }
    await giveRoomAddresses(docker, slots, say);
    const room = await roomJoinFromInstructor(docker);
    const { students: joined, failure } = await joinStudents(docker, slots, room, say);
    // Whoever made it is in the room: recorded even when another's join failed.
    const output: SimOutput = { ...state, students: [...state.students, ...joined].sort((a, b) => a.index - b.index) };
    writeState(dir, output);
    if (failure !== undefined) throw failure;
    say(`added ${joined.length} students in ${secs(t0)}: the room has ${output.students.length}`);
    return output;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
/** How a student got the class: the projected line, or join.json handed over (plus the projected pin). */
type JoinHow = { kind: 'line'; lan: string; joinCode: string; pin: string } | { kind: 'file'; joinJson: string; pin: string };

/** lab:join's arguments before --name, for `how` (`joinFile`: where join.json was put on the student's machine). */
export function joinArgs(how: JoinHow, joinFile = JOIN_FILE_IN_MACHINE): string[] {
  return how.kind === 'line' ? [how.lan, '--code', how.joinCode, '--pin', how.pin] : [joinFile, '--pin', how.pin];
}

async function joinStudent(docker: Docker, s: StudentSlot, how: JoinHow, say: Say): Promise<SimStudent> {
  // A lighter student's join.json is its own file: the room machine's students join side by side.
  const joinFile = s.fidelity === 'full' ? JOIN_FILE_IN_MACHINE : `${path.posix.dirname(JOIN_FILE_IN_MACHINE)}/${s.name}.json`;
  if (how.kind === 'file') {
    // What a USB stick would do: join.json into the student's machine, 0600 in a 0700 directory.
    const joinDir = path.posix.dirname(joinFile);
    await execOk(docker, s.container, ['sh', '-c', `umask 077 && mkdir -p ${joinDir} && cat > ${joinFile}`], {
      stdin: Buffer.from(how.joinJson),
    });
  }
  const cmd = [
    'node',
    `${LAB_IN_MACHINE}/dist/scripts/lab-join.js`,
    ...joinArgs(how, joinFile),
    '--name',
    s.name,
    '--offline',
    '--github-api',
    GITHUB_API,
    // The room machine has one address per student: each says which is its own (a laptop finds its one by itself).
    ...(s.fidelity === 'light' ? ['--advertise', s.address] : []),
  ];
  say(`${s.name}: ${cmd.join(' ')}`);
  const r = await execIn(docker, s.container, cmd, {
    env: s.env,
    workingDir: LAB_IN_MACHINE,
    onLine: (line) => {
      if (line.trim()) say(`${s.name} | ${line}`);
    },
    timeoutMs: 8 * 60_000,
  });
  if (r.exitCode !== 0)
    throw new Error(`lab:join --name ${s.name} on ${s.container} exited ${r.exitCode}: ${lastLine(r.stderr) || lastLine(r.stdout)}`);
  say(`${s.name}: on the page ${r.seconds.toFixed(1)} s after lab:join started`);
  return {
    index: s.index,
    name: s.name,
    fidelity: s.fidelity,
    machine: s.container,
    address: s.address,
    joinSeconds: Math.round(r.seconds * 10) / 10,
    joinBreakdown: findJoinBreakdown(r.stdout),
  };
}

export async function classroomDown(docker: Docker, repoRoot: string, say: Say): Promise<number> {
  const found = await removeSimResources(docker, say);
  removeSimDir(simDir(repoRoot));
  return found.containers.length + found.networks.length + found.volumes.length;
}
