// `classroom:sim up` / `down`: a whole classroom on one Docker engine. Machines (containers running their own
// dockerd) on a venue LAN network, the lab's images loaded into each, then the people's own commands run inside
// them with `docker exec`: the instructor's `lab:up --classroom`, each student's `lab:join`. See
// README.md "Try it alone: the simulated classroom" and scripts/lib/classroom/sim/layout.ts for the layout.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
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
  JOIN_FILE_IN_MACHINE,
  LAB_IN_MACHINE,
  LAN_NETWORK,
  LAN_SUBNET,
  SIM_LABEL,
  STUDENT_DIR_IN_MACHINE,
  type StudentSlot,
  studentSlots,
} from './layout';
import { execIn, execOk, lastLine } from './machineExec';
import { parseStudentJoinCommand } from '../instructorEnv';
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
  const needed = [INSTRUCTOR_CONTAINER, ...state.students.map((s) => s.machine)];
  return needed.every((n) => running.has(n)) ? state : undefined;
}

export async function classroomUp(opts: UpOptions): Promise<UpResult> {
  const { docker, repoRoot, say } = opts;
  checkHost(repoRoot);
  const dir = simDir(repoRoot);

  const current = await runningClassroom(docker, dir);
  if (current) {
    if (current.students.length !== opts.students)
      throw new Error(
        `the simulated classroom is already up with ${current.students.length} students: run "npm run classroom:sim -- down" first to start one with ${opts.students}`,
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
  for (const name of [GITHUB_CONTAINER, INSTRUCTOR_CONTAINER, ...studentSlots(opts.students).map((s) => s.container)]) {
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

async function buildClassroom(opts: UpOptions, dir: string, tmp: string, binds: string[]): Promise<SimOutput> {
  const { docker, repoRoot, say } = opts;
  const slots = studentSlots(opts.students);
  const t0 = Date.now();
  const secs = (from: number): string => `${((Date.now() - from) / 1000).toFixed(1)} s`;

  // 1. The venue: LAN, GitHub stand-in, the laptops (each starting its own dockerd).
  await ensureLan(docker);
  say(`network ${LAN_NETWORK} (${LAN_SUBNET})`);
  await startGithubStandin(
    docker,
    repoRoot,
    outsideSymlinkTargets(repoRoot).map((t) => `${t}:${t}:ro`),
  );
  say(`GitHub stand-in at ${GITHUB_API} (${GITHUB_ADDRESS})`);
  await startMachine(docker, {
    container: INSTRUCTOR_CONTAINER,
    address: INSTRUCTOR_ADDRESS,
    role: 'instructor',
    binds,
    publish: [INSTRUCTOR_ROOM_API_PORT, INSTRUCTOR_PAGE_PORT],
  });
  for (const s of slots) await startMachine(docker, { container: s.container, address: s.address, role: `student-${s.index}`, binds });
  say(
    `started ${1 + slots.length} machines: ${INSTRUCTOR_CONTAINER} (${INSTRUCTOR_ADDRESS}), ${slots.map((s) => `${s.container} (${s.address})`).join(', ')}`,
  );

  // 2. The images: saved once while the machines' engines start, loaded into each.
  const tSave = Date.now();
  const commonTar = path.join(tmp, 'lab-images.tar');
  const nginxTar = path.join(tmp, 'nginx-image.tar');
  const [commonBytes, nginxBytes] = await Promise.all([
    saveImages(STUDENT_IMAGES, commonTar),
    saveImages(INSTRUCTOR_EXTRA_IMAGES, nginxTar),
  ]);
  say(`docker save: ${Math.round((commonBytes + nginxBytes) / 1024 / 1024)} MB in ${secs(tSave)}`);
  const machines = [INSTRUCTOR_CONTAINER, ...slots.map((s) => s.container)];
  await Promise.all(
    machines.map(async (m) => {
      const waited = await waitForMachineDocker(docker, m);
      say(`${m}: its dockerd answers (${waited.toFixed(1)} s)`);
    }),
  );
  const tLoad = Date.now();
  await mapLimit(machines, 2, async (m) => {
    const s = await loadImages(docker, m, commonTar, say);
    const extra = m === INSTRUCTOR_CONTAINER ? await loadImages(docker, m, nginxTar, say) : 0;
    say(`${m}: images loaded in ${(s + extra).toFixed(1)} s`);
  });
  say(`images in every machine after ${secs(tLoad)}`);

  // 3. The instructor: exactly what the instructor types (lab:up --classroom), in the instructor's machine.
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

  // The instructor's join.json (gossip key, join code, CA) and management token: read through docker exec, never printed.
  const joinJson = (await execOk(docker, INSTRUCTOR_CONTAINER, ['cat', `${CLASSROOM_DIR_IN_MACHINE}/join.json`])).stdout;
  const managementToken = (
    await execOk(docker, INSTRUCTOR_CONTAINER, ['cat', `${CLASSROOM_DIR_IN_MACHINE}/management.token`])
  ).stdout.trim();
  registerSecret(managementToken);
  ensureSimDir(dir);
  const tokenFile = path.join(dir, TOKEN_FILE);
  writeSecretFile(tokenFile, managementToken + '\n');

  // 4. The students, all at once (a class joins together), as people do: odd ones type the projected line, even ones
  // got join.json handed over (a USB stick, the room's chat) and type the pin from the projector.
  const students = await Promise.all(
    slots.map((s) =>
      joinStudent(docker, s, s.index % 2 === 1 ? { kind: 'line', ...projected } : { kind: 'file', joinJson, pin: projected.pin }, say),
    ),
  );

  const output: SimOutput = {
    consulHttp: `http://127.0.0.1:${await publishedPort(docker, INSTRUCTOR_CONTAINER, INSTRUCTOR_ROOM_API_PORT)}`,
    nginx: `http://127.0.0.1:${await publishedPort(docker, INSTRUCTOR_CONTAINER, INSTRUCTOR_PAGE_PORT)}`,
    managementTokenFile: tokenFile,
    lan: { network: LAN_NETWORK, subnet: LAN_SUBNET, instructor: INSTRUCTOR_ADDRESS, github: GITHUB_ADDRESS },
    students,
  };
  writeState(dir, output);
  say(`classroom up: instructor + ${students.length} students in ${secs(t0)}`);
  return output;
}

/** How a student got the class: the projected line, or join.json handed over (plus the projected pin). */
type JoinHow = { kind: 'line'; lan: string; joinCode: string; pin: string } | { kind: 'file'; joinJson: string; pin: string };

/** lab:join's arguments before --name, for `how`. */
export function joinArgs(how: JoinHow): string[] {
  return how.kind === 'line' ? [how.lan, '--code', how.joinCode, '--pin', how.pin] : [JOIN_FILE_IN_MACHINE, '--pin', how.pin];
}

async function joinStudent(docker: Docker, s: StudentSlot, how: JoinHow, say: Say): Promise<SimStudent> {
  if (how.kind === 'file') {
    // What a USB stick would do: join.json into the student's machine, 0600 in a 0700 directory.
    const joinDir = path.posix.dirname(JOIN_FILE_IN_MACHINE);
    await execOk(docker, s.container, ['sh', '-c', `umask 077 && mkdir -p ${joinDir} && cat > ${JOIN_FILE_IN_MACHINE}`], {
      stdin: Buffer.from(how.joinJson),
    });
  }
  const cmd = [
    'node',
    `${LAB_IN_MACHINE}/dist/scripts/lab-join.js`,
    ...joinArgs(how),
    '--name',
    s.name,
    '--offline',
    '--github-api',
    GITHUB_API,
  ];
  say(`${s.name}: ${cmd.join(' ')}`);
  const r = await execIn(docker, s.container, cmd, {
    env: [`LAB_STUDENT_DIR=${STUDENT_DIR_IN_MACHINE}`],
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
    name: s.name,
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
