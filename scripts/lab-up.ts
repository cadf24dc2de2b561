#!/usr/bin/env node
// npm run lab:up [-- --offline] — `docker compose up -d`, then wait with progress until every
// container is running and healthy, and print the URLs and what to do next.
// Images: with a registry, the pinned ones from .env (pulled with progress when missing). When they cannot
// be pulled and this machine can build the air-gapped ones, it says so in one line, builds them (cached:
// seconds after the first time) and starts the lab on them; otherwise one line saying what to do.
// --offline: the air-gapped images (.env.offline), built or refreshed first, without trying a registry.
// --check-scope node: workshop-api registers its check at node level (the original workshop's mistake, for the
// "a host fails" exercise); running lab:up again without it puts the instances back to service-level checks.
// --restart-mode make-before-break: the demo server's next incarnation is passing before the old one leaves
// (exercise 1, closing the restart gap without a second server); lab:up alone goes back to break-before-make.
// --no-build: the air-gapped images already in this engine (.env.offline), never built or pulled; one line naming a
// missing one (the simulated classroom's machines get their images by docker load).
// --classroom [--lan-address IP]: the lab becomes the room's cluster (classroom/instructor.compose.yml says what
// changes): secrets created or reused in the classroom dir (LAB_CLASSROOM_DIR, default .classroom/), passed to
// Compose in its process env; the ACL objects as soon as server-1 has a leader (during the wait: the readers on the
// host agents, which have no default token, need them to turn healthy); once healthy, join.json, and the one
// command students run.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option } from 'commander';
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import { composeFailureLine, repoRoot, runCompose } from './lib/docker/compose';
import { connectDocker } from './lib/docker/engine';
import { browserUrl, labEndpoints } from './lib/docker/publishedPorts';
import { OFFLINE_ENV_FILE, readEnvFile, REGISTRY_ENV_FILE } from './lib/docker/envFile';
import { imagesToPull, presentImages, pullImage, pullOrFallBackToOffline } from './lib/images/pull';
import { offlineBuildBlocker, setupAndBuildOfflineImages } from './lib/images/setup';
import { addProjectOption } from './lib/lab/options';
import { DEFAULT_PROJECT, listLabContainers, resolveProjectName } from './lib/docker/labContainers';
import { isReady, shortName, stateChanges } from './lib/docker/readiness';
import { formatSeconds } from './lib/term/table';
import { sleep } from '../services/shared/async';
import { Progress } from './lib/term/progress';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';
import { UsageError } from '../services/shared/errors';
import { resolveLanAddress } from './lib/classroom/lanAddress';
import { classroomDir, JOIN_FILE, loadOrCreateSecrets, MANAGEMENT_TOKEN_FILE, writePrivateFile } from './lib/classroom/secrets';
import { joinInfoFor, serializeJoinInfo, type JoinInfo } from './lib/classroom/joinInfo';
import { INSTRUCTOR_COMPOSE_FILE, instructorComposeEnv, studentJoinCommand } from './lib/classroom/instructorEnv';
import { setUpClassroomAcls, verifyGossipKey } from './lib/classroom/aclSetup';
import { parsePort } from '../services/shared/consulAddress';

const NAME = 'lab:up';
/** The image variables docker-compose.yml interpolates. */
const COMPOSE_IMAGE_VARS = ['CONSUL_IMAGE', 'CONSUL_TEMPLATE_IMAGE', 'NGINX_IMAGE', 'NODE_IMAGE', 'LAB_SERVICES_IMAGE', 'LAB_NGINX_IMAGE'];
/** The images Compose runs (the others only feed builds), which --no-build requires in the engine. */
const RUN_IMAGE_VARS = ['CONSUL_IMAGE', 'LAB_SERVICES_IMAGE', 'LAB_NGINX_IMAGE'];

/** What classroom mode needs after `up`: where its files are and what to hand Compose. */
interface Classroom {
  lan: string;
  dir: string;
  created: boolean;
  managementToken: string;
  gossipKey: string;
  join: JoinInfo;
  env: Record<string, string>;
  /** server-1's HTTP on this machine's 127.0.0.1 (LAB_ROOM_CONSUL_HTTP_PORT): where lab:up sets up the ACLs. */
  roomApiPort: number;
}

/**
 * Secrets (created or reused) and what Compose needs, before anything starts. The shared page's port on the LAN is
 * the one the lab publishes on 127.0.0.1 (LAB_NGINX_PORT).
 */
function prepareClassroom(root: string, lan: string, envFile: string | undefined): Classroom {
  const dir = classroomDir(root);
  const { secrets, created } = loadOrCreateSecrets(dir);
  const fileEnv = envFile
    ? readEnvFile(path.join(root, envFile))
    : existsSync(path.join(root, REGISTRY_ENV_FILE))
      ? readEnvFile(path.join(root, REGISTRY_ENV_FILE))
      : {};
  const nginxPort = parsePort(process.env.LAB_NGINX_PORT || fileEnv.LAB_NGINX_PORT || '8080', 'LAB_NGINX_PORT');
  const roomApiPort = parsePort(
    process.env.LAB_ROOM_CONSUL_HTTP_PORT || fileEnv.LAB_ROOM_CONSUL_HTTP_PORT || '8501',
    'LAB_ROOM_CONSUL_HTTP_PORT',
  );
  const join = joinInfoFor(lan, secrets, nginxPort);
  return {
    lan,
    dir,
    created,
    managementToken: secrets.managementToken,
    gossipKey: secrets.gossipKey,
    join,
    env: instructorComposeEnv(lan, secrets, join),
    roomApiPort,
  };
}

/**
 * The classroom's ACL objects, set up WHILE the lab starts: the host agents have no default token, so until the
 * anonymous token can read (lab-anonymous-read) the readers on them see nothing, and some healthchecks wait on
 * exactly that (demo-client resolves the demo server through host-a's agent DNS). Each call of `tick` (once per
 * wait-loop second) tries once, through server-1's own HTTP on 127.0.0.1 (the host agents start after the
 * servers are healthy), as soon as it answers with a leader; done after the first success.
 */
function classroomAclSetup(c: Classroom, say: (line: string) => void): { tick: () => Promise<void>; done: () => boolean } {
  const consulUrl = `http://127.0.0.1:${c.roomApiPort}`;
  let done = false;
  let lastWhy = '';
  let running: Promise<void> | undefined;
  const attempt = async (): Promise<void> => {
    try {
      const leader = await fetch(`${consulUrl}/v1/status/leader`, { signal: AbortSignal.timeout(3000) });
      const addr = leader.ok ? ((await leader.json()) as unknown) : '';
      if (typeof addr !== 'string' || addr === '') throw new Error(leader.ok ? 'no leader yet' : `HTTP ${leader.status}`);
      const changed = await setUpClassroomAcls({
        consulUrl,
        managementToken: c.managementToken,
        timeoutMs: 0,
        say: (l) => say(`ACL ${l}`),
      });
      done = true;
      say(`ACLs set up through server-1 (127.0.0.1:${c.roomApiPort})${changed.length ? '' : ': already in place'}`);
    } catch (err) {
      const why = (err as Error).message.split('\n')[0]!;
      if (why !== lastWhy) say(`ACL set-up waits for server-1 (127.0.0.1:${c.roomApiPort}): ${why}`);
      lastWhy = why;
    }
  };
  return {
    tick: async () => {
      if (done) return;
      // One attempt at a time; the wait loop goes on meanwhile (an attempt can take a few seconds).
      running ??= attempt().finally(() => (running = undefined));
      await Promise.race([running, sleep(0)]);
    },
    done: () => done,
  };
}

/**
 * What the room needs, printed once the lab is ready. The join code is printed in clear on purpose: the instructor
 * must hand it out, and projecting (or writing on the board) the one-line command works on any venue Wi-Fi, with no
 * discovery protocol, shared drive or client isolation in the way; the code only lets a student enrol under its
 * own name (and read the gossip key, which every student's agent needs anyway). The gossip key and the management
 * token are never printed: they stay in the 0600 files named here.
 */
function classroomLines(c: Classroom, roomApiPort: number): string[] {
  return [
    `Classroom on ${c.lan}: gossip encrypted, ACLs deny by default, anonymous = read-only (${c.created ? 'new secrets' : 'secrets reused'} in ${c.dir})`,
    `  Room Consul UI  ${c.join.consulUi}   (also http://127.0.0.1:${roomApiPort}/ui/ from here: the room's anonymous view)`,
    `  Room page       ${c.join.page}`,
    `  Enrollment      ${c.join.enrollUrl}`,
    `  join.json       ${path.join(c.dir, JOIN_FILE)}   (0600: gossip key + join code, for a student who gets it as a file)`,
    `  Management token in ${path.join(c.dir, MANAGEMENT_TOKEN_FILE)} (0600; never printed)`,
    `  Room ports on ${c.lan}: 8301, 8311, 8321, 8331, 8341 (tcp+udp); 8300, 8310, 8320, 8500, 8099, ${new URL(c.join.page).port} (tcp): open them in this laptop's firewall`,
    '',
    'Students run (project this line or write it on the board):',
    `  ${studentJoinCommand(c.lan, c.join.joinCode)}`,
    '',
  ];
}

/** What to do about the failures students meet most. */
function upFailureHint(line: string, project: string): string {
  const down = project === DEFAULT_PROJECT ? 'npm run lab:down' : `npm run lab:down -- -p ${project}`;
  if (/address already in use|port is already allocated/i.test(line)) {
    return `; a host port is taken: pick free ones, e.g. LAB_CONSUL_HTTP_PORT=18500 LAB_CONSUL_DNS_PORT=18600 LAB_NGINX_PORT=18080 LAB_VIEW_PORT=18090 npm run lab:up (and \`${down}\` first)`;
  }
  if (/No such image|pull access denied|manifest unknown|failed to resolve|registry|no such host/i.test(line)) {
    return '; the images could not be pulled: without a registry, use `npm run lab:up -- --offline` (builds the air-gapped images first)';
  }
  return `; \`${down}\` removes what was started`;
}

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(createProgram(NAME, 'Start the lab (docker compose up -d) and wait until every container is healthy'))
    .option(
      '--offline',
      `use the locally built air-gapped images (${OFFLINE_ENV_FILE}), building them first if needed (= npm run lab:images)`,
    )
    .addOption(
      new Option(
        '--check-scope <scope>',
        "where workshop-api attaches its health check: service (right) or node (the original workshop's mistake: one failing instance fails its whole host)",
      )
        .choices(['service', 'node'])
        .default('service'),
    )
    .addOption(
      new Option(
        '--restart-mode <mode>',
        'how the demo server restarts: break-before-make (the gap is the lesson) or make-before-break (the next incarnation is passing before the old one leaves)',
      )
        .choices(['break-before-make', 'make-before-break'])
        .default('break-before-make'),
    )
    .option('--no-build', `use the air-gapped images already in this engine (${OFFLINE_ENV_FILE}); never build or pull them`)
    .option(
      '--classroom',
      "run the lab as the room's cluster: gossip encryption, ACLs, published on the LAN address, enrollment for students",
    )
    .option('--lan-address <ip>', "with --classroom: this machine's LAN address to publish on and advertise (default: the default route's)")
    .addOption(durationOption('-t, --timeout <duration>', 'give up waiting for healthy after this long', 180_000));
  program.parse();
  const opts = program.opts<{
    project?: string;
    offline?: boolean;
    timeout: number;
    checkScope: 'service' | 'node';
    restartMode: 'break-before-make' | 'make-before-break';
    build: boolean;
    classroom?: boolean;
    lanAddress?: string;
  }>();
  if (opts.lanAddress !== undefined && !opts.classroom) throw new UsageError('--lan-address only makes sense with --classroom');
  // Before anything starts or builds: no LAN address is exit 2 with nothing done.
  const lan = opts.classroom ? await resolveLanAddress(opts.lanAddress) : undefined;
  const project = resolveProjectName(opts.project);
  const root = repoRoot();

  if (!existsSync(path.join(root, 'docker-compose.yml'))) throw new Error(`no docker-compose.yml in ${root}`);
  const docker = await connectDocker();

  const progress = new Progress();
  let offline = opts.offline === true || !opts.build;
  if (!opts.build) {
    // The air-gapped images must already be here (the simulated classroom's machines load them): no build.
    if (!existsSync(path.join(root, OFFLINE_ENV_FILE))) throw new Error(`${OFFLINE_ENV_FILE} is missing in ${root}`);
    const fileEnv = readEnvFile(path.join(root, OFFLINE_ENV_FILE));
    // This shell's values win, as they do in Compose's interpolation.
    const refs = RUN_IMAGE_VARS.map((k) => process.env[k] || fileEnv[k]).filter((v): v is string => !!v);
    const present = await presentImages(docker, new Set(refs));
    const missing = refs.filter((r) => !present.has(r));
    if (missing.length)
      throw new Error(`--no-build: image ${missing.join(', ')} is not in this engine (load it, or run without --no-build to build it)`);
  }
  if (!offline) {
    // Pull what .env pins and is not here yet, with progress (Compose would pull silently behind `up -d`).
    const fileEnv = existsSync(path.join(root, REGISTRY_ENV_FILE)) ? readEnvFile(path.join(root, REGISTRY_ENV_FILE)) : {};
    const refs = new Set(COMPOSE_IMAGE_VARS.map((k) => process.env[k] || fileEnv[k]).filter((v): v is string => !!v));
    const present = await presentImages(docker, refs);
    offline = await pullOrFallBackToOffline(
      imagesToPull(fileEnv, process.env, (r) => present.has(r)),
      {
        pull: (ref) => pullImage(docker, ref, (secs) => progress.line(`still pulling ${ref} (${secs} s)`)),
        offlineBuildBlocker: () => offlineBuildBlocker(root, docker),
        progress: (line) => progress.line(line),
        say: (line) => process.stdout.write(`${line}\n`),
      },
    );
  }
  let envFile: string | undefined;
  if (offline) {
    envFile = OFFLINE_ENV_FILE;
    if (!existsSync(path.join(root, OFFLINE_ENV_FILE))) throw new Error(`${OFFLINE_ENV_FILE} is missing in ${root}`);
    // The same set-up and cached build as `npm run lab:images`: seconds when nothing changed, and the lab
    // never starts on images older than this checkout's code.
    if (opts.build) await setupAndBuildOfflineImages({ repoRoot: root, docker, progress: (m) => progress.line(`images: ${m}`) });
  }
  const classroom = lan ? prepareClassroom(root, lan, envFile) : undefined;

  // Classroom: both files named (with -f, Compose no longer reads docker-compose.yml by itself).
  const fileArgs = classroom ? ['-f', 'docker-compose.yml', '-f', INSTRUCTOR_COMPOSE_FILE] : [];
  process.stdout.write(
    `Starting lab "${project}"${offline ? ' with the air-gapped images' : ''}${classroom ? ` as a classroom on ${classroom.lan}` : ''} (docker compose${envFile ? ` --env-file ${envFile}` : ''}${fileArgs.length ? ` ${fileArgs.join(' ')}` : ''} up -d)\n`,
  );
  // Compose waits for depends_on: service_healthy itself; meanwhile we show each container's state from the engine.
  if (opts.checkScope === 'node')
    process.stdout.write('workshop-api checks at NODE level (--check-scope node): one failing instance takes its whole host down\n');
  if (opts.restartMode === 'make-before-break')
    process.stdout.write('demo server restarts make-before-break: the next incarnation is passing before the old one leaves\n');
  // The flags win over LAB_* values left in the shell, so `lab:up` alone always means the lab's defaults.
  const compose = runCompose([...fileArgs, 'up', '-d', '--remove-orphans'], {
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
  const deadline = Date.now() + opts.timeout;
  const acls = classroom ? classroomAclSetup(classroom, (l) => progress.line(l)) : undefined;
  for (;;) {
    await acls?.tick();
    const containers = await listLabContainers(docker, project);
    for (const l of stateChanges(seen, containers)) progress.line(l);
    if (composeDone && composeDone.code !== 0) {
      throw new Error(`docker compose up failed: ${composeDone.line}${upFailureHint(composeDone.line ?? '', project)}`);
    }
    const unready = containers.filter((c) => !isReady(c));
    if (composeDone && containers.length > 0 && unready.length === 0 && (!acls || acls.done())) {
      process.stdout.write(`All ${containers.length} containers ready after ${formatSeconds(progress.elapsedMs())}.\n\n`);
      const ep = labEndpoints(containers);
      if (classroom) {
        // The ACLs are set up by now (classroomAclSetup, during the wait); the management token is sent explicitly.
        await verifyGossipKey(ep.consulUrl, classroom.managementToken, classroom.gossipKey, project);
        writePrivateFile(path.join(classroom.dir, JOIN_FILE), serializeJoinInfo(classroom.join));
        process.stdout.write(classroomLines(classroom, classroom.roomApiPort).join('\n') + '\n');
      }
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
      process.stdout.write(
        [
          `  Consul UI   ${browserUrl(ep.consulUrl)}/ui`,
          `  Nginx page  ${browserUrl(ep.nginxUrl)}/`,
          `  Lab view    ${browserUrl(ep.labViewUrl)}/   (live: cluster, hosts, restarts, health over time, exercise checks)`,
          '',
          'Next:',
          ...cmds.map((c, i) => `  ${c.padEnd(width)}   ${next[i]![1]}`),
        ].join('\n') + '\n',
      );
      return 0;
    }
    if (Date.now() > deadline) {
      const names = [
        ...unready.map((c) => `${shortName(c)} (${c.state === 'running' ? c.health : c.state})`),
        ...(acls && !acls.done() ? [`the classroom ACL set-up through 127.0.0.1:${classroom!.roomApiPort}`] : []),
      ].join(', ');
      throw new Error(
        `not ready after ${formatSeconds(opts.timeout)}: ${names || 'compose still starting'}; ` +
          `look at \`docker compose -p ${project} logs <service>\``,
      );
    }
    await sleep(1000);
  }
});
