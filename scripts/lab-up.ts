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
// --classroom [--lan-address IP] [--room-subnet CIDR] [--resume]: the lab becomes the room's cluster
// (classroom/instructor.compose.yml says what changes). A new class each time: new secrets and a new classroom CA in
// the classroom dir (LAB_CLASSROOM_DIR, default .classroom/), an earlier class's Consul data cleared; --resume keeps
// the class (secrets, CA, data). Passed to Compose in its process env; the ACL objects (the preset tokens, the
// students' auth method) as soon as server-1 has a leader (during the wait: the agents and readers need them to turn
// healthy); once healthy, join.json, and the one command students run, with the CA's pin.
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
import { classroomDir, JOIN_FILE, writePrivateFile } from './lib/classroom/secrets';
import { serializeJoinInfo } from './lib/classroom/joinInfo';
import { INSTRUCTOR_COMPOSE_FILE } from './lib/classroom/instructorEnv';
import { verifyGossipKey } from './lib/classroom/aclSetup';
import { classroomAclSetup, classroomLines, isDockerDesktop, prepareClassroom, type Classroom } from './lib/classroom/instructorClassroom';
import { parsePort } from '../services/shared/consul/address';
import { BREAK_BEFORE_MAKE, MAKE_BEFORE_BREAK, RESTART_MODES, type RestartMode } from '../services/shared/names';

const NAME = 'lab:up';
/** The image variables docker-compose.yml interpolates. */
const COMPOSE_IMAGE_VARS = ['CONSUL_IMAGE', 'CONSUL_TEMPLATE_IMAGE', 'NGINX_IMAGE', 'NODE_IMAGE', 'LAB_SERVICES_IMAGE', 'LAB_NGINX_IMAGE'];
/** The images Compose runs (the others only feed builds), which --no-build requires in the engine. */
const RUN_IMAGE_VARS = ['CONSUL_IMAGE', 'LAB_SERVICES_IMAGE', 'LAB_NGINX_IMAGE'];

/** The classroom's settings from the shell or the env file Compose reads (the shell wins, as in Compose). */
function classroomSettings(
  root: string,
  envFile: string | undefined,
): { nginxPort: number; roomApiPort: number; labSubnetPrefix: string; consulImage: string } {
  const fileEnv = envFile
    ? readEnvFile(path.join(root, envFile))
    : existsSync(path.join(root, REGISTRY_ENV_FILE))
      ? readEnvFile(path.join(root, REGISTRY_ENV_FILE))
      : {};
  const v = (k: string, dflt: string): string => process.env[k] || fileEnv[k] || dflt;
  return {
    nginxPort: parsePort(v('LAB_NGINX_PORT', '8080'), 'LAB_NGINX_PORT'),
    roomApiPort: parsePort(v('LAB_ROOM_CONSUL_HTTP_PORT', '8501'), 'LAB_ROOM_CONSUL_HTTP_PORT'),
    labSubnetPrefix: v('LAB_SUBNET_PREFIX', '10.213.50'),
    consulImage: v('CONSUL_IMAGE', 'hashicorp/consul:1.20.5'),
  };
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
        .choices(RESTART_MODES)
        .default(BREAK_BEFORE_MAKE),
    )
    .option('--no-build', `use the air-gapped images already in this engine (${OFFLINE_ENV_FILE}); never build or pull them`)
    .option(
      '--classroom',
      "run the lab as the room's cluster: gossip encryption, ACLs, published on the LAN address, enrollment for students",
    )
    .option('--lan-address <ip>', "with --classroom: this machine's LAN address to publish on and advertise (default: the default route's)")
    .option('--room-subnet <cidr>', "with --classroom: the room's subnet, where students' instances may be (default: the LAN interface's)")
    .option('--resume', 'with --classroom: keep the class (its secrets, CA, students and Consul data) instead of starting a new one')
    .addOption(durationOption('-t, --timeout <duration>', 'give up waiting for healthy after this long', 180_000));
  program.parse();
  const opts = program.opts<{
    project?: string;
    offline?: boolean;
    timeout: number;
    checkScope: 'service' | 'node';
    restartMode: RestartMode;
    build: boolean;
    classroom?: boolean;
    lanAddress?: string;
    roomSubnet?: string;
    resume?: boolean;
  }>();
  for (const [flag, given] of [
    ['--lan-address', opts.lanAddress !== undefined],
    ['--room-subnet', opts.roomSubnet !== undefined],
    ['--resume', opts.resume === true],
  ] as const) {
    if (given && !opts.classroom) throw new UsageError(`${flag} only makes sense with --classroom`);
  }
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
  // Classroom: both files named (with -f, Compose no longer reads docker-compose.yml by itself).
  const fileArgs = lan ? ['-f', 'docker-compose.yml', '-f', INSTRUCTOR_COMPOSE_FILE] : [];
  let classroom: Classroom | undefined;
  if (lan) {
    const settings = classroomSettings(root, envFile);
    classroom = await prepareClassroom({
      docker,
      lan,
      dir: classroomDir(root),
      resume: opts.resume === true,
      roomSubnet: opts.roomSubnet,
      ...settings,
      say: (l) => progress.line(l),
      clearPreviousClass: async () => {
        const r = await runCompose([...fileArgs, 'down', '--volumes', '--remove-orphans'], { project, envFile, cwd: root });
        if (r.code !== 0) throw new Error(`clearing the previous class (docker compose down --volumes) failed: ${composeFailureLine(r)}`);
      },
    });
  }
  process.stdout.write(
    `Starting lab "${project}"${offline ? ' with the air-gapped images' : ''}${classroom ? ` as a classroom on ${classroom.lan}` : ''} (docker compose${envFile ? ` --env-file ${envFile}` : ''}${fileArgs.length ? ` ${fileArgs.join(' ')}` : ''} up -d)\n`,
  );
  // Compose waits for depends_on: service_healthy itself; meanwhile we show each container's state from the engine.
  if (opts.checkScope === 'node')
    process.stdout.write('workshop-api checks at NODE level (--check-scope node): one failing instance takes its whole host down\n');
  if (opts.restartMode === MAKE_BEFORE_BREAK)
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
        await verifyGossipKey(ep.consulUrl, classroom.secrets.managementToken, classroom.secrets.gossipKey, project);
        writePrivateFile(path.join(classroom.dir, JOIN_FILE), serializeJoinInfo(classroom.join));
        process.stdout.write(classroomLines(classroom, { dockerDesktop: await isDockerDesktop(docker) }).join('\n') + '\n');
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
