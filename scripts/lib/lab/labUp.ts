// npm run lab:up's work (scripts/lab-up.ts parses the flags): the images (pulled, or the air-gapped ones built), the
// class in classroom mode, `docker compose up -d`, then the wait with progress until every container is ready, and
// the URLs and what to do next. The world (Docker, Compose, the room's Consul, the clock) comes in as UpDeps, so the
// classroom and plain paths, the option rules and each failure are unit-tested with fakes (labUp.test.ts).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { UsageError } from '../../../services/shared/errors';
import { parsePort } from '../../../services/shared/consul/address';
import { MAKE_BEFORE_BREAK, type RestartMode } from '../../../services/shared/names';
import { verifyGossipKey } from '../classroom/aclSetup';
import { INSTRUCTOR_COMPOSE_FILE } from '../classroom/instructorEnv';
import {
  classroomAclSetup,
  classroomLines,
  isDockerDesktop,
  prepareClassroom,
  type Classroom,
  type PrepareOptions,
} from '../classroom/instructorClassroom';
import { serializeJoinInfo } from '../classroom/joinInfo';
import { resolveLanAddress } from '../classroom/lanAddress';
import { classroomDir, JOIN_FILE, writePrivateFile } from '../classroom/secrets';
import {
  composeFailureLine,
  DC2_PROFILE,
  OPTIONAL_PROFILES,
  REGISTRATOR_PROFILE,
  runCompose,
  type ComposeOptions,
  type ComposeResult,
} from '../docker/compose';
import { connectDocker } from '../docker/engine';
import { OFFLINE_ENV_FILE, readEnvFile, REGISTRY_ENV_FILE } from '../docker/envFile';
import { DEFAULT_PROJECT, listLabContainers, resolveProjectName, type LabContainer } from '../docker/labContainers';
import { browserUrl, labEndpoints, type LabEndpoints } from '../docker/publishedPorts';
import { isReady, shortName, stateChanges } from '../docker/readiness';
import { imagesToPull, presentImages, pullImage, pullOrFallBackToOffline } from '../images/pull';
import { offlineBuildBlocker, setupAndBuildOfflineImages } from '../images/setup';
import { formatSeconds } from '../term/table';
import { liveCommandIo, type CommandIo } from './commandIo';

/** The image variables docker-compose.yml interpolates. */
const COMPOSE_IMAGE_VARS = ['CONSUL_IMAGE', 'CONSUL_TEMPLATE_IMAGE', 'NGINX_IMAGE', 'NODE_IMAGE', 'LAB_SERVICES_IMAGE', 'LAB_NGINX_IMAGE'];
/** The images Compose runs (the others only feed builds), which --no-build requires in the engine. */
const RUN_IMAGE_VARS = ['CONSUL_IMAGE', 'LAB_SERVICES_IMAGE', 'LAB_NGINX_IMAGE'];

/** lab:up's flags, as commander parsed them. */
export interface UpOptions {
  project?: string;
  offline?: boolean;
  timeout: number;
  checkScope: 'service' | 'node';
  restartMode: RestartMode;
  build: boolean;
  /** Exercise 6's registrator and the instance it registers (the `registrator` Compose profile). */
  registrator?: boolean;
  /** 2: exercise 8's second datacenter (the `dc2` Compose profile); 1 (default): dc1 only. */
  datacenters?: number;
  classroom?: boolean;
  lanAddress?: string;
  roomSubnet?: string;
  resume?: boolean;
}

/** What lab:up does with Docker, once connected. */
export interface UpEngine {
  presentImages(refs: Set<string>): Promise<Set<string>>;
  pullImage(ref: string, tick: (secs: number) => void): Promise<void>;
  offlineBuildBlocker(root: string): Promise<string | undefined>;
  buildOfflineImages(root: string, progress: (message: string) => void): Promise<void>;
  prepareClassroom(o: Omit<PrepareOptions, 'docker'>): Promise<Classroom>;
  listContainers(project: string): Promise<LabContainer[]>;
  isDockerDesktop(): Promise<boolean>;
}

/** The world lab:up talks to. */
export interface UpDeps extends CommandIo {
  root: string;
  env: NodeJS.ProcessEnv;
  resolveLanAddress(given: string | undefined): Promise<string>;
  connectDocker(): Promise<UpEngine>;
  runCompose(args: string[], opts: ComposeOptions): Promise<ComposeResult>;
  classroomAclSetup(c: Classroom, say: (line: string) => void): { tick: () => Promise<void>; done: () => boolean };
  verifyGossipKey(consulUrl: string, managementToken: string, gossipKey: string, project: string): Promise<void>;
}

/** The real world: this process's env, Docker, Compose, the room's Consul, the terminal. */
export function liveUpDeps(root: string): UpDeps {
  return {
    root,
    env: process.env,
    resolveLanAddress: (given) => resolveLanAddress(given),
    connectDocker: async () => upEngineOf(await connectDocker()),
    runCompose,
    classroomAclSetup,
    verifyGossipKey,
    ...liveCommandIo(),
  };
}

function upEngineOf(docker: Docker): UpEngine {
  return {
    presentImages: (refs) => presentImages(docker, refs),
    pullImage: (ref, tick) => pullImage(docker, ref, tick),
    offlineBuildBlocker: (root) => offlineBuildBlocker(root, docker),
    buildOfflineImages: async (root, progress) => void (await setupAndBuildOfflineImages({ repoRoot: root, docker, progress })),
    prepareClassroom: (o) => prepareClassroom({ ...o, docker }),
    listContainers: (project) => listLabContainers(docker, project),
    isDockerDesktop: () => isDockerDesktop(docker),
  };
}

/** --datacenters: 1 or 2. */
export function datacentersArg(v: string): number {
  if (!/^[12]$/.test(v.trim())) throw new UsageError(`expected 1 or 2, got "${v.slice(0, 20)}"`);
  return Number(v);
}

/** The classroom-only flags without --classroom are bad input (exit 2). */
export function checkUpOptions(opts: UpOptions): void {
  for (const [flag, given] of [
    ['--lan-address', opts.lanAddress !== undefined],
    ['--room-subnet', opts.roomSubnet !== undefined],
    ['--resume', opts.resume === true],
  ] as const) {
    if (given && !opts.classroom) throw new UsageError(`${flag} only makes sense with --classroom`);
  }
  // The registrator holds the Docker socket (root on this machine); a room's LAN must never be one step from it.
  if (opts.registrator && opts.classroom)
    throw new UsageError('--registrator is never used with --classroom: it holds the Docker socket (README exercise 6)');
  if (opts.datacenters !== undefined && opts.datacenters !== 1 && opts.datacenters !== 2)
    throw new UsageError(`--datacenters must be 1 or 2, got ${opts.datacenters}`);
  // The room's cluster is one datacenter: its certificates, tokens and enrollment know only dc1.
  if (opts.datacenters === 2 && opts.classroom)
    throw new UsageError('--datacenters 2 is not available with --classroom (README exercise 8)');
}

/** The classroom's settings from the shell or the env file Compose reads (the shell wins, as in Compose). */
export function classroomSettings(
  root: string,
  envFile: string | undefined,
  env: NodeJS.ProcessEnv,
): { nginxPort: number; roomApiPort: number; labSubnetPrefix: string; consulImage: string } {
  const fileEnv = envFile
    ? readEnvFile(path.join(root, envFile))
    : existsSync(path.join(root, REGISTRY_ENV_FILE))
      ? readEnvFile(path.join(root, REGISTRY_ENV_FILE))
      : {};
  const v = (k: string, dflt: string): string => env[k] || fileEnv[k] || dflt;
  return {
    nginxPort: parsePort(v('LAB_NGINX_PORT', '8080'), 'LAB_NGINX_PORT'),
    roomApiPort: parsePort(v('LAB_ROOM_CONSUL_HTTP_PORT', '8501'), 'LAB_ROOM_CONSUL_HTTP_PORT'),
    labSubnetPrefix: v('LAB_SUBNET_PREFIX', '10.213.50'),
    consulImage: v('CONSUL_IMAGE', 'hashicorp/consul:1.20.5'),
  };
}

/** What to do about the failures students meet most. */
export function upFailureHint(line: string, project: string): string {
  const down = project === DEFAULT_PROJECT ? 'npm run lab:down' : `npm run lab:down -- -p ${project}`;
  if (/address already in use|port is already allocated/i.test(line)) {
    return `; a host port is taken: pick free ones, e.g. LAB_CONSUL_HTTP_PORT=18500 LAB_CONSUL_DNS_PORT=18600 LAB_NGINX_PORT=18080 LAB_VIEW_PORT=18090 npm run lab:up (and \`${down}\` first)`;
  }
  if (/No such image|pull access denied|manifest unknown|failed to resolve|registry|no such host/i.test(line)) {
    return '; the images could not be pulled: without a registry, use `npm run lab:up -- --offline` (builds the air-gapped images first)';
  }
  return `; \`${down}\` removes what was started`;
}

/** The lab's URLs and the commands to try next, with `-p X` when the project is not the default. */
export function readyLines(project: string, ep: LabEndpoints, classroom: boolean): string[] {
  const projectArgs = project === DEFAULT_PROJECT ? [] : ['-p', project];
  const next: Array<[string, string]> = [
    ['lab:status', 'members, health, demo client success rate, Nginx page'],
    ['lab:scale-server', 'one more demo server; watch the client spread its traffic'],
    ['lab:kill-api', 'stop one workshop-api; see how fast Consul and Nginx drop it'],
    ['lab:partition host-b', 'cut host-b off the network; every service on it fails (heal: --heal host-b)'],
    ['lab:kill-agent host-b', "kill only host-b's agent; its services still answer, Consul drops them"],
    ...(classroom ? [['lab:roster', 'one line per student: joined, agent alive, API passing, on the page'] as [string, string]] : []),
    ['lab:down', "stop the lab (lab:down -- -v also deletes Consul's data)"],
  ];
  // `npm run lab:partition -- host-b`, with `-p X` before the host when the project is not the default.
  const cmds = next.map(([s]) => {
    const [script, ...args] = s.split(' ');
    const all = [...projectArgs, ...args];
    return `npm run ${script}${all.length ? ` -- ${all.join(' ')}` : ''}`;
  });
  const width = Math.max(...cmds.map((c) => c.length));
  return [
    `  Consul UI   ${browserUrl(ep.consulUrl)}/ui`,
    `  Nginx page  ${browserUrl(ep.nginxUrl)}/`,
    `  Lab view    ${browserUrl(ep.labViewUrl)}/   (live: cluster, hosts, restarts, health over time, exercise checks)`,
    '',
    'Next:',
    ...cmds.map((c, i) => `  ${c.padEnd(width)}   ${next[i]![1]}`),
  ];
}

/** lab:up, from parsed flags to the URLs: 0, or it throws one line (UsageError: exit 2). */
export async function labUp(opts: UpOptions, deps: UpDeps): Promise<number> {
  checkUpOptions(opts);
  // Before anything starts or builds: no LAN address is exit 2 with nothing done.
  const lan = opts.classroom ? await deps.resolveLanAddress(opts.lanAddress) : undefined;
  const project = resolveProjectName(opts.project, deps.env);
  const { root, env: shell } = deps;

  if (!existsSync(path.join(root, 'docker-compose.yml'))) throw new Error(`no docker-compose.yml in ${root}`);
  const engine = await deps.connectDocker();

  const progress = deps.newProgress();
  let offline = opts.offline === true || !opts.build;
  if (!opts.build) {
    // The air-gapped images must already be here (the simulated classroom's machines load them): no build.
    if (!existsSync(path.join(root, OFFLINE_ENV_FILE))) throw new Error(`${OFFLINE_ENV_FILE} is missing in ${root}`);
    const fileEnv = readEnvFile(path.join(root, OFFLINE_ENV_FILE));
    // This shell's values win, as they do in Compose's interpolation.
    const refs = RUN_IMAGE_VARS.map((k) => shell[k] || fileEnv[k]).filter((v): v is string => !!v);
    const present = await engine.presentImages(new Set(refs));
    const missing = refs.filter((r) => !present.has(r));
    if (missing.length)
      throw new Error(`--no-build: image ${missing.join(', ')} is not in this engine (load it, or run without --no-build to build it)`);
  }
  if (!offline) {
    // Pull what .env pins and is not here yet, with progress (Compose would pull silently behind `up -d`).
    const fileEnv = existsSync(path.join(root, REGISTRY_ENV_FILE)) ? readEnvFile(path.join(root, REGISTRY_ENV_FILE)) : {};
    const refs = new Set(COMPOSE_IMAGE_VARS.map((k) => shell[k] || fileEnv[k]).filter((v): v is string => !!v));
    const present = await engine.presentImages(refs);
    offline = await pullOrFallBackToOffline(
      imagesToPull(fileEnv, shell, (r) => present.has(r)),
      {
        pull: (ref) => engine.pullImage(ref, (secs) => progress.line(`still pulling ${ref} (${secs} s)`)),
        offlineBuildBlocker: () => engine.offlineBuildBlocker(root),
        progress: (line) => progress.line(line),
        say: (line) => deps.out(`${line}\n`),
      },
    );
  }
  let envFile: string | undefined;
  if (offline) {
    envFile = OFFLINE_ENV_FILE;
    if (!existsSync(path.join(root, OFFLINE_ENV_FILE))) throw new Error(`${OFFLINE_ENV_FILE} is missing in ${root}`);
    // The same set-up and cached build as `npm run lab:images`: seconds when nothing changed, and the lab
    // never starts on images older than this checkout's code.
    if (opts.build) await engine.buildOfflineImages(root, (m) => progress.line(`images: ${m}`));
  }
  // Classroom: both files named (with -f, Compose no longer reads docker-compose.yml by itself).
  const fileArgs = lan ? ['-f', 'docker-compose.yml', '-f', INSTRUCTOR_COMPOSE_FILE] : [];
  let classroom: Classroom | undefined;
  if (lan) {
    classroom = await engine.prepareClassroom({
      lan,
      dir: classroomDir(root, shell),
      resume: opts.resume === true,
      roomSubnet: opts.roomSubnet,
      ...classroomSettings(root, envFile, shell),
      say: (l) => progress.line(l),
      clearPreviousClass: async () => {
        const r = await deps.runCompose([...fileArgs, 'down', '--volumes', '--remove-orphans'], { project, envFile, cwd: root });
        if (r.code !== 0) throw new Error(`clearing the previous class (docker compose down --volumes) failed: ${composeFailureLine(r)}`);
      },
    });
  }
  deps.out(
    `Starting lab "${project}"${offline ? ' with the air-gapped images' : ''}${classroom ? ` as a classroom on ${classroom.lan}` : ''} (docker compose${envFile ? ` --env-file ${envFile}` : ''}${fileArgs.length ? ` ${fileArgs.join(' ')}` : ''} up -d)\n`,
  );
  // Compose waits for depends_on: service_healthy itself; meanwhile we show each container's state from the engine.
  if (opts.checkScope === 'node')
    deps.out('workshop-api checks at NODE level (--check-scope node): one failing instance takes its whole host down\n');
  if (opts.restartMode === MAKE_BEFORE_BREAK)
    deps.out('demo server restarts make-before-break: the next incarnation is passing before the old one leaves\n');
  // The flags win over LAB_* values left in the shell, so `lab:up` alone always means the lab's defaults.
  // lab:up alone means the lab's defaults: what an optional profile left running goes, dependents first (so the
  // registrator still sees api-b3 die and deregisters it).
  const wanted = new Set([...(opts.registrator ? [REGISTRATOR_PROFILE] : []), ...(opts.datacenters === 2 ? [DC2_PROFILE] : [])]);
  const running = new Set((await engine.listContainers(project)).map((c) => c.service));
  for (const p of OPTIONAL_PROFILES) {
    if (wanted.has(p.profile) || !p.services.some((s) => running.has(s))) continue;
    deps.out(`stopping ${p.what}: lab:up without ${p.profile === DC2_PROFILE ? '--datacenters 2' : '--registrator'}\n`);
    const r = await deps.runCompose([...fileArgs, '--profile', p.profile, 'rm', '--stop', '--force', ...p.services], {
      project,
      envFile,
      cwd: root,
    });
    if (r.code !== 0) throw new Error(`stopping ${p.what} failed: ${composeFailureLine(r)}`);
    if (p.afterStop) {
      const after = await deps.runCompose([...fileArgs, ...p.afterStop.args], { project, envFile, cwd: root });
      if (after.code !== 0) deps.out(`${p.afterStop.failed}\n`);
    }
  }
  if (opts.registrator)
    deps.out("with the registrator (exercise 6): it reads host-b's containers through the Docker socket and registers api-b3\n");
  if (opts.datacenters === 2)
    deps.out('with a second datacenter (exercise 8): dc2-server-1 joined over the WAN, host-c with api-c1 and api-c2\n');
  const profileArgs = [...wanted].flatMap((p) => ['--profile', p]);
  const compose = deps.runCompose([...fileArgs, ...profileArgs, 'up', '-d', '--remove-orphans'], {
    project,
    envFile,
    cwd: root,
    // The classroom's secrets reach Compose (and through it CONSUL_LOCAL_CONFIG) in this environment only.
    env: { LAB_WORKSHOP_CHECK_SCOPE: opts.checkScope, LAB_DEMO_RESTART_MODE: opts.restartMode, ...classroom?.env },
  });
  let composeDone: { code: number; line?: string } | undefined;
  compose.then(
    (r) => (composeDone = { code: r.code, line: r.code === 0 ? undefined : composeFailureLine(r) }),
    (e: Error) => (composeDone = { code: 1, line: e.message }),
  );

  const seen = new Map<string, string>();
  const deadline = deps.now() + opts.timeout;
  const acls = classroom ? deps.classroomAclSetup(classroom, (l) => progress.line(l)) : undefined;
  for (;;) {
    await acls?.tick();
    const containers = await engine.listContainers(project);
    for (const l of stateChanges(seen, containers)) progress.line(l);
    if (composeDone && composeDone.code !== 0) {
      throw new Error(`docker compose up failed: ${composeDone.line}${upFailureHint(composeDone.line ?? '', project)}`);
    }
    const unready = containers.filter((c) => !isReady(c));
    if (composeDone && containers.length > 0 && unready.length === 0 && (!acls || acls.done())) {
      deps.out(`All ${containers.length} containers ready after ${formatSeconds(progress.elapsedMs())}.\n\n`);
      const ep = labEndpoints(containers, shell);
      if (classroom) {
        // The ACLs are set up by now (classroomAclSetup, during the wait); the management token is sent explicitly.
        await deps.verifyGossipKey(ep.consulUrl, classroom.secrets.managementToken, classroom.secrets.gossipKey, project);
        writePrivateFile(path.join(classroom.dir, JOIN_FILE), serializeJoinInfo(classroom.join));
        deps.out(classroomLines(classroom, { dockerDesktop: await engine.isDockerDesktop() }).join('\n') + '\n');
      }
      deps.out(readyLines(project, ep, !!classroom).join('\n') + '\n');
      return 0;
    }
    if (deps.now() > deadline) {
      const names = [
        ...unready.map((c) => `${shortName(c)} (${c.state === 'running' ? c.health : c.state})`),
        ...(acls && !acls.done() ? [`the classroom ACL set-up through 127.0.0.1:${classroom!.roomApiPort}`] : []),
      ].join(', ');
      throw new Error(
        `not ready after ${formatSeconds(opts.timeout)}: ${names || 'compose still starting'}; ` +
          `look at \`docker compose -p ${project} logs <service>\``,
      );
    }
    await deps.sleep(1000);
  }
}
