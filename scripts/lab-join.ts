#!/usr/bin/env node
// npm run lab:join -- <join.json | instructor address> --name <github account> [--code C --pin P]
//                     [--ask-github-token] [--offline] [--advertise ADDR] [--github-api URL]
// A student's machine joins the instructor's classroom (issue 12, item 3): enrols the name with the instructor's
// enrollment service (which hands out this student's OWN Consul token), starts classroom/student.compose.yml
// (a host whose agent joins the instructor's cluster, and the student's workshop-api), and waits with progress:
// agent joined → API passing in Consul → avatar on the instructor's page, printing the time it took.
// Exit 0 on the page; 1 with one line saying what to do (name taken, wrong code, instructor unreachable with
// the ports to open, gossip key or token rejected); 2 for bad input.
// Secrets (join code, gossip key, the Consul token, the GitHub token) never reach a log line or a child's argv:
// Compose gets them in its environment only; they are kept in LAB_STUDENT_DIR (0700) in 0600 files. The GitHub token
// comes from LAB_GITHUB_TOKEN or a prompt (--ask-github-token), never the command line (shell history, ps).
// Trust (issue 18): with the instructor's address, --pin (the classroom CA's pin the instructor projects) is checked
// against the certificate chain the enrollment service shows BEFORE the code is sent; from then on lab:join trusts
// that CA alone (https to the enrollment service; the student's agent verifies the servers with it).
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import type Docker from 'dockerode';
import { Option } from 'commander';
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import { errorMessage, UsageError } from '../services/shared/errors';
import { studentNodeName, studentServiceId } from '../services/shared/names';
import { pageLinksAvatar } from '../services/shared/pageLinks';
import { registerSecret } from '../services/shared/secrets';
import { sleep } from '../services/shared/async';
import { checkGithubApiForToken, DEFAULT_GITHUB_API, parseGithubApi } from '../services/workshop-api/names';
import { composeFailureLine, repoRoot, runCompose, type ComposeResult } from './lib/docker/compose';
import { connectDocker, readContainerLogs } from './lib/docker/engine';
import { OFFLINE_ENV_FILE, readEnvFile, REGISTRY_ENV_FILE } from './lib/docker/envFile';
import { listLabContainers, type LabContainer } from './lib/docker/labContainers';
import { isReady, shortName, stateChanges } from './lib/docker/readiness';
import { imagePresent, pullFailureReason, pullImage } from './lib/images/pull';
import { Progress } from './lib/term/progress';
import { formatSeconds } from './lib/term/table';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';
import { enrollStudent, fetchJoinInfo, fetchPinnedCa, pinnedFetch, type EnrollClientOptions } from './lib/classroom/enrollClient';
import { caPin, normalisePin } from './lib/classroom/tls';
import { askSecret } from './lib/term/askSecret';
import { terminalSafeLine } from '../services/shared/terminalText';
import { parseJoinInfo, type JoinInfo } from './lib/classroom/joinInfo';
import { diagnoseAgentLog, diagnoseApiLog, type Diagnosis, type DiagnosisContext } from './lib/classroom/studentDiagnosis';
import {
  instructorPortsHint,
  localAddressToward,
  parseAdvertiseAddress,
  parseJoinTarget,
  parseStudentName,
  studentSettings,
  type StudentSettings,
} from './lib/classroom/studentAddress';
import {
  readGithubToken,
  readStudentState,
  reuseConflict,
  studentDir,
  writeGithubToken,
  writeStudentState,
  type StudentState,
} from './lib/classroom/studentState';
import { studentComposeEnv, STUDENT_COMPOSE_FILE } from './lib/classroom/studentCompose';

const NAME = 'lab:join';

exitQuietlyOnClosedStdout();

interface JoinOptions {
  name: string;
  code?: string;
  pin?: string;
  githubToken?: string;
  askGithubToken?: boolean;
  githubApi?: string;
  offline?: boolean;
  advertise?: string;
  timeout: number;
}

/**
 * The join info: from the file (trusted as handed over; checked against --pin when given), or from the instructor's
 * enrollment service for the code, after its certificate chain showed the CA with the pin (before the code is sent).
 * Either way the join info's CA must be the pinned one.
 */
async function resolveJoinInfo(targetArg: string, code: string | undefined, pin: string | undefined): Promise<JoinInfo> {
  const target = parseJoinTarget(targetArg, (p) => existsSync(p));
  const checked = (info: JoinInfo): JoinInfo => {
    if (pin && caPin(info.ca) !== pin)
      throw new Error(
        `the join info's classroom CA does not match --pin ${pin}: check the pin the instructor shows; if it is right, this join info is not from your instructor (do not join)`,
      );
    return info;
  };
  if (target.kind === 'file') {
    let text: string;
    try {
      text = readFileSync(target.path, 'utf8');
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : errorMessage(err).split('\n')[0];
      throw new UsageError(
        `join file ${target.path}: ${why} (give the join.json the instructor shared, or the instructor's address with --code)`,
      );
    }
    let info: JoinInfo;
    try {
      info = parseJoinInfo(text, path.basename(target.path));
    } catch (err) {
      throw new UsageError(errorMessage(err));
    }
    return checked(info);
  }
  if (!code) throw new UsageError(`--code is required with an instructor address (the join code the instructor shows)`);
  if (!pin) throw new UsageError(`--pin is required with an instructor address (the pin the instructor shows beside the code)`);
  const portsHint = instructorPortsHint(target.host, [`${target.host}:8301`]);
  const ca = await fetchPinnedCa(target.enrollUrl, pin, { portsHint });
  return checked(await fetchJoinInfo(target.enrollUrl, code, { portsHint, fetch: pinnedFetch(ca) }));
}

/** What to do about a failed `docker compose up`: a taken port names the variable that moves it. */
function upFailureHint(line: string, settings: StudentSettings): string {
  if (/address already in use|port is already allocated/i.test(line)) {
    return (
      `; a port this machine needs is taken (${settings.serfPort} and ${settings.apiPort} on the LAN address, ${settings.httpPort} on 127.0.0.1: ` +
      `is the lab itself running? npm run lab:down first), or move your agent's UI: LAB_STUDENT_HTTP_PORT=18500 npm run lab:join ...`
    );
  }
  return '; npm run lab:leave removes what was started';
}

/** TCP connect to host:port within `ms`: true when something answers (serf also listens on TCP). */
function tcpReachable(host: string, port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The images the student's stack runs on: the air-gapped ones must be here; registry ones are pulled when missing. */
async function ensureImages(docker: Docker, root: string, offline: boolean, progress: Progress): Promise<string | undefined> {
  const envFile = offline ? OFFLINE_ENV_FILE : REGISTRY_ENV_FILE;
  const envPath = path.join(root, envFile);
  if (!existsSync(envPath)) {
    if (offline) throw new Error(`${envFile} is missing in ${root}`);
    return undefined;
  }
  const fileEnv = readEnvFile(envPath);
  const v = (k: string): string => process.env[k] || fileEnv[k] || '';
  const consul = v('CONSUL_IMAGE');
  const services = v('LAB_SERVICES_IMAGE');
  if (offline) {
    const missing: string[] = [];
    for (const ref of [consul, services]) if (ref && !(await imagePresent(docker, ref))) missing.push(ref);
    if (missing.length)
      throw new Error(`the air-gapped images ${missing.join(', ')} are not on this machine: run npm run lab:images first`);
    return envPath;
  }
  // Compose builds the services image when it is missing (from the node image); the Consul image is pulled.
  const wanted = [consul];
  if (services && !(await imagePresent(docker, services))) wanted.push(v('NODE_IMAGE'));
  for (const ref of wanted.filter(Boolean)) {
    if (await imagePresent(docker, ref)) continue;
    progress.line(`pulling ${ref}`);
    try {
      await pullImage(docker, ref, (secs) => progress.line(`still pulling ${ref} (${secs} s)`));
    } catch (err) {
      throw new Error(
        `cannot pull ${ref} (${pullFailureReason(err)}): without a registry, build the air-gapped images (npm run lab:images) and add --offline`,
        { cause: err },
      );
    }
    progress.line(`pulled ${ref}`);
  }
  return envPath;
}

/**
 * The student's instance as the instructor's page sees it: its service check AND its node's serfHealth (a node the
 * servers cannot reach back is "failed", and the page drops every service on it however well the API answers).
 */
async function apiHealth(settings: StudentSettings, state: StudentState): Promise<{ service: boolean; node: boolean }> {
  const filter = encodeURIComponent(`ServiceID == "${state.serviceId}" or ServiceID == ""`);
  const url = `http://127.0.0.1:${settings.httpPort}/v1/health/node/${encodeURIComponent(state.nodeName)}?filter=${filter}`;
  const res = await fetch(url, { headers: { 'x-consul-token': state.token }, signal: AbortSignal.timeout(3000) });
  if (res.status !== 200) {
    await res.body?.cancel();
    return { service: false, node: false };
  }
  const checks = (await res.json()) as Array<{ Status?: string; ServiceID?: string }>;
  const service = checks.filter((c) => c.ServiceID === state.serviceId);
  const node = checks.filter((c) => !c.ServiceID);
  return {
    service: service.length > 0 && service.every((c) => c.Status === 'passing'),
    node: node.every((c) => c.Status === 'passing'),
  };
}

/** Whether the instructor's shared page links this student's avatar. */
async function onPage(page: string, serviceId: string): Promise<boolean> {
  const res = await fetch(page, { redirect: 'manual', signal: AbortSignal.timeout(3000) });
  return pageLinksAvatar(await res.text(), serviceId);
}

/** A cause from the agent's and the API's logs, if they show one. */
async function diagnose(docker: Docker, containers: LabContainer[], ctx: DiagnosisContext): Promise<Diagnosis | undefined> {
  for (const c of containers) {
    if (c.service !== 'student-agent' && c.service !== 'workshop-api') continue;
    const { stdout, stderr } = await readContainerLogs(docker, c.id, { tail: 300 }).catch(() => ({ stdout: '', stderr: '' }));
    const d = c.service === 'student-agent' ? diagnoseAgentLog(stdout + stderr, ctx) : diagnoseApiLog(stdout + stderr, ctx);
    if (d) return d;
  }
  return undefined;
}

/** Causes no wait can cure: lab:join stops at once with the fix. */
const FINAL_CAUSES = new Set<Diagnosis['cause']>(['gossip-key', 'token']);
/** Causes that may heal or let the student on the page now and then: one warning line each. */
const WARN_CAUSES = new Set<Diagnosis['cause']>(['udp', 'no-way-back', 'no-leader']);

/** Set while `docker compose up` runs: on an early error lab:join exits without waiting for it (see the end). */
let composeRunning = false;

void runCli(NAME, async () => {
  const program = createProgram(
    NAME,
    "Join the instructor's classroom: your agent joins their cluster, your workshop-api shows your avatar on their page",
  )
    .argument('<join>', "the join.json the instructor shared, or the instructor's address (then --code)")
    .requiredOption(
      '-n, --name <github-account>',
      'your GitHub account: your avatar, your Consul node student-<name>, your service workshop-<name>',
    )
    .option('--code <code>', "the join code the instructor shows (needed with the instructor's address)")
    .option('--pin <pin>', "the classroom CA's pin the instructor shows (needed with the instructor's address): 16 hex digits")
    .option(
      '--ask-github-token',
      'ask for a GitHub token for the avatar lookup (optional; lifts the 60 lookups/hour limit), or set LAB_GITHUB_TOKEN. Kept in a 0600 file',
    )
    // Refused with a reason (a token on the command line lands in the shell's history and in ps): hidden from --help.
    .addOption(new Option('--github-token <token>').hideHelp())
    .option('--github-api <url>', `GitHub API base URL (GitHub Enterprise: https://host/api/v3; default ${DEFAULT_GITHUB_API})`)
    .option('--offline', `run on the air-gapped images (${OFFLINE_ENV_FILE}, built by npm run lab:images)`)
    .option(
      '--advertise <address>',
      "this machine's LAN address as the instructor reaches it (default: the address of the route to the instructor)",
    )
    .addOption(durationOption('-t, --timeout <duration>', 'give up waiting for the page after this long', 300_000));
  program.parse();
  const opts = program.opts<JoinOptions>();
  const [targetArg] = program.args as [string];

  // Bad input first (exit 2), before anything talks to Docker or the instructor.
  const name = parseStudentName(opts.name);
  const settings = studentSettings();
  const advertise = opts.advertise !== undefined ? parseAdvertiseAddress(opts.advertise) : undefined;
  if (opts.code) registerSecret(opts.code);
  if (opts.githubToken !== undefined) {
    registerSecret(opts.githubToken);
    throw new UsageError(
      '--github-token: a token on the command line lands in your shell history and in ps; set LAB_GITHUB_TOKEN or use --ask-github-token',
    );
  }
  const pin = opts.pin === undefined ? undefined : normalisePin(opts.pin);
  if (opts.pin !== undefined && !pin) throw new UsageError('--pin must be the 16 hex digits the instructor shows (e.g. 3f9a0c1d2e4b5a69)');
  const root = repoRoot();
  const dir = studentDir(root);
  const asked = opts.askGithubToken ? await askSecret('GitHub token (input hidden, Enter for none): ') : undefined;
  const githubToken = asked || process.env.LAB_GITHUB_TOKEN || readGithubToken(dir);
  registerSecret(githubToken);
  const githubApi = parseGithubApi(opts.githubApi, undefined);
  checkGithubApiForToken(githubApi, !!githubToken);
  const composeFile = path.join(root, STUDENT_COMPOSE_FILE);
  if (!existsSync(composeFile)) throw new Error(`no ${STUDENT_COMPOSE_FILE} in ${root}`);

  const docker = await connectDocker();
  const progress = new Progress();
  const saved = readStudentState(dir);
  if (saved) registerSecret(saved.token);

  const joinInfo = await resolveJoinInfo(targetArg, opts.code, pin);
  registerSecret(joinInfo.gossipKey);
  registerSecret(joinInfo.joinCode);
  const portsHint = instructorPortsHint(joinInfo.instructor, joinInfo.servers);
  // From here on the classroom CA (pinned, or from the file the student was handed) is the only one trusted.
  const client: EnrollClientOptions = { portsHint, fetch: pinnedFetch(joinInfo.ca) };

  const firstServer = joinInfo.servers[0]!;
  const address =
    advertise ??
    (await localAddressToward(joinInfo.instructor, Number(firstServer.split(':')[1])).catch((err: Error) => {
      throw new Error(`no route to the instructor at ${joinInfo.instructor} (${err.message}): are you on the room's network?`);
    }));
  process.stdout.write(`Joining the class of ${joinInfo.instructor} as "${name}" from ${address}\n`);

  // Enrol (or reuse this machine's enrolment): the student's own token, node write on student-<name> only.
  let state: StudentState;
  if (saved) {
    const conflict = reuseConflict(saved, name, joinInfo);
    if (conflict) throw new Error(conflict);
    // The names are the lab's rule for this name (student.json is a file anyone on this machine could have edited).
    state = { ...saved, nodeName: studentNodeName(name), serviceId: studentServiceId(name), joinInfo, project: settings.project, address };
    progress.line(`enrolled already as "${name}" (${dir}): reusing that token`);
  } else {
    const enrollment = await enrollStudent(joinInfo.enrollUrl, joinInfo.joinCode, name, client);
    registerSecret(enrollment.token);
    // The names are the lab's rule for this name, whatever the answer says (it would reach a terminal and Compose).
    if (enrollment.nodeName !== studentNodeName(name) || enrollment.serviceId !== studentServiceId(name))
      throw new Error(
        `the enrollment service answered with other names than ${studentNodeName(name)} / ${studentServiceId(name)}: not this lab's`,
      );
    state = {
      version: 2,
      name,
      nodeName: studentNodeName(name),
      serviceId: studentServiceId(name),
      token: enrollment.token,
      accessorId: enrollment.accessorId,
      expirationTime: enrollment.expirationTime,
      joinInfo,
      project: settings.project,
      address,
    };
    progress.line(`enrolled as "${name}": node ${state.nodeName}, service ${state.serviceId}`);
  }
  writeStudentState(dir, state);
  if (asked || process.env.LAB_GITHUB_TOKEN) writeGithubToken(dir, githubToken!);

  // The servers' gossip port must answer before an agent is worth starting: one line with the ports otherwise.
  const reachable = await Promise.all(
    joinInfo.servers.map((s) => tcpReachable(s.slice(0, s.lastIndexOf(':')), Number(s.slice(s.lastIndexOf(':') + 1)), 3000)),
  );
  if (!reachable.some(Boolean)) {
    throw new Error(
      `the instructor's Consul servers (${joinInfo.servers.join(', ')}) do not answer on TCP: your network must let through ${portsHint} ` +
        '(a guest Wi-Fi that isolates clients blocks it); then run lab:join again',
    );
  }

  // Its own service workshop-<name> (= its ID): the student's token writes that service name only, so no student can
  // deregister another's instance (Consul authorises a catalog deregister by write on the service's name).
  const serviceName = state.serviceId;
  progress.line(`your API registers as its own service "${serviceName}"`);

  const envFile = await ensureImages(docker, root, opts.offline === true, progress);
  const env = studentComposeEnv({ state, settings, githubApi, githubToken, serviceName });
  process.stdout.write(`Starting your host (docker compose -p ${settings.project} -f ${STUDENT_COMPOSE_FILE} up -d)\n`);
  const compose = runCompose(['-f', composeFile, 'up', '-d', '--remove-orphans'], { project: settings.project, envFile, cwd: root, env });
  composeRunning = true;
  let composeDone: { code: number; line?: string } | undefined;
  const settle = (done: { code: number; line?: string }): void => {
    composeDone = done;
    composeRunning = false;
  };
  compose.then(
    (r: ComposeResult) => settle({ code: r.code, line: r.code === 0 ? undefined : composeFailureLine(r) }),
    (e: Error) => settle({ code: 1, line: e.message }),
  );

  const ctx: DiagnosisContext = {
    instructor: joinInfo.instructor,
    address,
    serfPort: settings.serfPort,
    apiPort: settings.apiPort,
    portsHint,
  };
  const deadline = Date.now() + opts.timeout;
  const seen = new Map<string, string>();
  let phase: 'containers' | 'passing' | 'page' = 'containers';
  let health = { service: false, node: false };
  const warned = new Set<Diagnosis['cause']>();
  let lastDiagnosis = 0;
  for (;;) {
    const containers = await listLabContainers(docker, settings.project);
    for (const l of stateChanges(seen, containers)) progress.line(l);
    if (composeDone && composeDone.code !== 0) {
      const cause = (await diagnose(docker, containers, ctx))?.line;
      throw new Error(cause ?? `docker compose up failed: ${composeDone.line}${upFailureHint(composeDone.line ?? '', settings)}`);
    }
    if (phase === 'containers' && composeDone && containers.length > 0 && containers.every(isReady)) {
      progress.line(`your agent joined the cluster as ${state.nodeName}`);
      phase = 'passing';
    }
    if (phase === 'passing') health = await apiHealth(settings, state).catch(() => health);
    if (phase === 'passing' && health.service && health.node) {
      progress.line(`${state.serviceId} is passing in Consul`);
      phase = 'page';
    }
    if (phase === 'page' && (await onPage(joinInfo.page, state.serviceId).catch(() => false))) {
      const secs = formatSeconds(progress.elapsedMs());
      // The URLs come from the join info (validated, but text from elsewhere): written terminal-safe.
      process.stdout.write(
        [
          `"${name}" is on the instructor's page after ${secs}: ${new URL(`avatars/${state.serviceId}`, joinInfo.page).href}`,
          `  The page        ${joinInfo.page}`,
          `  The room's UI   ${joinInfo.consulUi}`,
          `  Your agent's UI http://127.0.0.1:${settings.httpPort}/ui/`,
          'Leave the class (frees your name): npm run lab:leave',
        ]
          .map(terminalSafeLine)
          .join('\n') + '\n',
      );
      return 0;
    }
    // The logs tell a stuck join's cause long before the timeout. A rejected gossip key or token is final at once;
    // unreachable ports only after a while (an instructor restarting its lab refuses connections for seconds). A
    // flapping node (UDP dropped, TCP through) can still reach the page now and then: said once, not fatal.
    if (Date.now() - lastDiagnosis > 5000 && progress.elapsedMs() > 8000) {
      lastDiagnosis = Date.now();
      const d = await diagnose(docker, containers, ctx);
      if (d && FINAL_CAUSES.has(d.cause)) throw new Error(d.line);
      if (d && phase === 'containers' && d.cause !== 'no-leader' && d.cause !== 'udp' && progress.elapsedMs() > 40_000)
        throw new Error(d.line);
      if (d && WARN_CAUSES.has(d.cause) && !warned.has(d.cause)) {
        warned.add(d.cause);
        progress.line(terminalSafeLine(`warning: ${d.line}`));
      }
    }
    if (Date.now() > deadline) {
      const cause = (await diagnose(docker, containers, ctx))?.line;
      const unready = containers.filter((c) => !isReady(c)).map((c) => `${shortName(c)} (${c.state === 'running' ? c.health : c.state})`);
      const where =
        phase === 'containers'
          ? `not ready: ${unready.join(', ') || 'compose still starting'}`
          : phase === 'passing' && !health.node
            ? `the instructor's servers mark ${state.nodeName} failed: they cannot reach this machine back at ${address}; allow incoming TCP+UDP ${settings.serfPort} (and TCP ${settings.apiPort}) in this machine's firewall`
            : phase === 'passing'
              ? `${state.serviceId} is not passing in Consul (the agent's HTTP check reaches it at ${address}:${settings.apiPort})`
              : `${state.serviceId} is passing but not on ${joinInfo.page} (the instructor's Nginx must reach ${address}:${settings.apiPort}: allow incoming TCP ${settings.apiPort})`;
      throw new Error(
        `${cause ?? where} after ${formatSeconds(opts.timeout)}; look at \`docker compose -p ${settings.project} logs\`, npm run lab:leave removes it`,
      );
    }
    await sleep(1000);
  }
}).then(() => {
  // Compose's `up` waits for the agent's healthcheck (up to its start period) even when lab:join already knows why it
  // cannot pass (a rejected gossip key): exit now, once the error line is out. What Compose started stays for
  // `docker compose logs`; lab:leave removes it.
  if (composeRunning) process.stderr.write('', () => process.exit());
});
