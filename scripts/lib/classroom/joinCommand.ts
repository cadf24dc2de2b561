// npm run lab:join's work (scripts/lab-join.ts parses the flags): check the input, get the join info, enrol (or reuse
// this machine's enrolment), start the student's stack, and wait with progress: agent joined → API passing in Consul →
// avatar on the instructor's page, and the last line says where the time went (joinBreakdown.ts). The world (Docker,
// the instructor, the agent, the page, the clock) comes in as JoinDeps, so the steps' order, each failure and the
// breakdown are unit-tested with fakes (joinCommand.test.ts).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { UsageError } from '../../../services/shared/errors';
import { studentNodeName, studentServiceId } from '../../../services/shared/names';
import { registerSecret } from '../../../services/shared/secrets';
import { terminalSafeLine } from '../../../services/shared/terminalText';
import { checkGithubApiForToken, parseGithubApi } from '../../../services/workshop-api/names';
import { composeFailureLine, runCompose, type ComposeOptions, type ComposeResult } from '../docker/compose';
import { connectDocker } from '../docker/engine';
import { listLabContainers, type LabContainer } from '../docker/labContainers';
import { shortName, stateChanges } from '../docker/readiness';
import { askSecret } from '../term/askSecret';
import type { Progress } from '../term/progress';
import { liveCommandIo, type CommandIo } from '../lab/commandIo';
import { formatSeconds } from '../term/table';
import { enrollStudent, pinnedFetch, type EnrollClientOptions, type Enrollment } from './enrollClient';
import { formatJoinBreakdown, JoinTimer } from './joinBreakdown';
import type { JoinInfo } from './joinInfo';
import {
  apiHealth,
  diagnoseStudent,
  ensureStudentImages,
  onPage,
  resolveJoinInfo,
  tcpReachable,
  type ApiHealth,
  type CheckScope,
} from './joinSteps';
import {
  instructorPortsHint,
  localAddressToward,
  parseAdvertiseAddress,
  parseStudentName,
  studentSettings,
  type StudentSettings,
} from './studentAddress';
import { studentComposeEnv, STUDENT_COMPOSE_FILE } from './studentCompose';
import type { Diagnosis, DiagnosisContext } from './studentDiagnosis';
import {
  readGithubToken,
  readStudentState,
  reuseConflict,
  studentDir,
  writeGithubToken,
  writeStudentState,
  type StudentState,
} from './studentState';
import { normalisePin } from './tls';

/** lab:join's flags, as commander parsed them. */
export interface JoinOptions {
  name: string;
  code?: string;
  pin?: string;
  githubToken?: string;
  askGithubToken?: boolean;
  githubApi?: string;
  offline?: boolean;
  advertise?: string;
  /** Where workshop-api attaches its check: service (default) or node (exercise 5's mistake, the room's exercise (c)). */
  checkScope?: CheckScope;
  timeout: number;
}

/** What lab:join does with Docker, once connected. */
export interface JoinEngine {
  ensureImages(root: string, offline: boolean, progress: Progress): Promise<string | undefined>;
  listContainers(project: string): Promise<LabContainer[]>;
  diagnose(containers: LabContainer[], ctx: DiagnosisContext): Promise<Diagnosis | undefined>;
}

/**
 * `docker compose up` in the background: lab:join watches the containers meanwhile. On an early error the entry
 * exits at once when `running` (Compose's `up` waits out the agent's healthcheck even when lab:join already knows it
 * cannot pass); what Compose started stays for `docker compose logs`, and lab:leave removes it.
 */
export class BackgroundCompose {
  running = false;
  done: { code: number; line?: string } | undefined;

  start(compose: Promise<ComposeResult>): void {
    this.running = true;
    const settle = (done: { code: number; line?: string }): void => {
      this.done = done;
      this.running = false;
    };
    compose.then(
      (r) => settle({ code: r.code, line: r.code === 0 ? undefined : composeFailureLine(r) }),
      (e: Error) => settle({ code: 1, line: e.message }),
    );
  }
}

/** The world lab:join talks to. */
export interface JoinDeps extends CommandIo {
  root: string;
  env: NodeJS.ProcessEnv;
  askSecret(prompt: string): Promise<string>;
  connectDocker(): Promise<JoinEngine>;
  resolveJoinInfo(target: string, code: string | undefined, pin: string | undefined): Promise<JoinInfo>;
  localAddressToward(host: string, port: number): Promise<string>;
  enrollStudent(enrollUrl: string, code: string, name: string, client: EnrollClientOptions): Promise<Enrollment>;
  tcpReachable(host: string, port: number, ms: number): Promise<boolean>;
  composeUp(args: string[], opts: ComposeOptions): Promise<ComposeResult>;
  compose: BackgroundCompose;
  apiHealth(settings: StudentSettings, state: StudentState, scope: CheckScope): Promise<ApiHealth>;
  onPage(page: string, serviceId: string): Promise<boolean>;
}

/** The real world: this process's env, Docker, the network, the terminal. */
export function liveJoinDeps(root: string, compose: BackgroundCompose): JoinDeps {
  return {
    root,
    env: process.env,
    askSecret,
    connectDocker: async () => engineOf(await connectDocker()),
    resolveJoinInfo,
    localAddressToward,
    enrollStudent,
    tcpReachable,
    composeUp: runCompose,
    compose,
    apiHealth,
    onPage,
    ...liveCommandIo(),
  };
}

function engineOf(docker: Docker): JoinEngine {
  return {
    ensureImages: (root, offline, progress) => ensureStudentImages(docker, root, offline, progress),
    listContainers: (project) => listLabContainers(docker, project),
    diagnose: (containers, ctx) => diagnoseStudent(docker, containers, ctx),
  };
}

/** What to do about a failed `docker compose up`: a taken port names the variable that moves it. */
export function upFailureHint(line: string, settings: StudentSettings): string {
  if (/address already in use|port is already allocated/i.test(line)) {
    return (
      `; a port this machine needs is taken (${settings.serfPort} and ${settings.apiPort} on the LAN address, ${settings.httpPort} on 127.0.0.1: ` +
      `is the lab itself running? npm run lab:down first), or move your agent's UI: LAB_STUDENT_HTTP_PORT=18500 npm run lab:join ...`
    );
  }
  return '; npm run lab:leave removes what was started';
}

/** Causes no wait can cure: lab:join stops at once with the fix. */
const FINAL_CAUSES = new Set<Diagnosis['cause']>(['gossip-key', 'token']);
/** Causes that may heal or let the student on the page now and then: one warning line each. */
const WARN_CAUSES = new Set<Diagnosis['cause']>(['udp', 'no-way-back', 'no-leader']);

/** lab:join, from parsed flags to the line with the avatar's URL: 0, or it throws one line (UsageError: exit 2). */
export async function labJoin(targetArg: string, opts: JoinOptions, deps: JoinDeps): Promise<number> {
  // Bad input first (exit 2), before anything talks to Docker or the instructor.
  const name = parseStudentName(opts.name);
  const settings = studentSettings(deps.env);
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
  const root = deps.root;
  const dir = studentDir(root, deps.env);
  const asked = opts.askGithubToken ? await deps.askSecret('GitHub token (input hidden, Enter for none): ') : undefined;
  const githubToken = asked || deps.env.LAB_GITHUB_TOKEN || readGithubToken(dir);
  registerSecret(githubToken);
  const githubApi = parseGithubApi(opts.githubApi, undefined);
  checkGithubApiForToken(githubApi, !!githubToken);
  const composeFile = path.join(root, STUDENT_COMPOSE_FILE);
  if (!existsSync(composeFile)) throw new Error(`no ${STUDENT_COMPOSE_FILE} in ${root}`);

  // The clock starts here: after the input and a prompt for a GitHub token, which wait on the student, not the lab.
  const timer = new JoinTimer(deps.now);
  const engine = await deps.connectDocker();
  const progress = deps.newProgress();
  const saved = readStudentState(dir);
  if (saved) registerSecret(saved.token);

  const joinInfo = await deps.resolveJoinInfo(targetArg, opts.code, pin);
  registerSecret(joinInfo.gossipKey);
  registerSecret(joinInfo.joinCode);
  const portsHint = instructorPortsHint(joinInfo.instructor, joinInfo.servers);
  // From here on the classroom CA (pinned, or from the file the student was handed) is the only one trusted.
  const client: EnrollClientOptions = { portsHint, fetch: pinnedFetch(joinInfo.ca) };

  const firstServer = joinInfo.servers[0]!;
  const address =
    advertise ??
    (await deps.localAddressToward(joinInfo.instructor, Number(firstServer.split(':')[1])).catch((err: Error) => {
      throw new Error(`no route to the instructor at ${joinInfo.instructor} (${err.message}): are you on the room's network?`);
    }));
  timer.end('joinInfo');
  deps.out(`Joining the class of ${joinInfo.instructor} as "${name}" from ${address}\n`);

  // Enrol (or reuse this machine's enrolment): the student's own token, node write on student-<name> only.
  let state: StudentState;
  if (saved) {
    const conflict = reuseConflict(saved, name, joinInfo);
    if (conflict) throw new Error(conflict);
    // The names are the lab's rule for this name (student.json is a file anyone on this machine could have edited).
    state = { ...saved, nodeName: studentNodeName(name), serviceId: studentServiceId(name), joinInfo, project: settings.project, address };
    progress.line(`enrolled already as "${name}" (${dir}): reusing that token`);
  } else {
    const enrollment = await deps.enrollStudent(joinInfo.enrollUrl, joinInfo.joinCode, name, client);
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
  if (asked || deps.env.LAB_GITHUB_TOKEN) writeGithubToken(dir, githubToken!);
  timer.end('enrol');

  // The servers' gossip port must answer before an agent is worth starting: one line with the ports otherwise.
  const reachable = await Promise.all(
    joinInfo.servers.map((s) => deps.tcpReachable(s.slice(0, s.lastIndexOf(':')), Number(s.slice(s.lastIndexOf(':') + 1)), 3000)),
  );
  if (!reachable.some(Boolean)) {
    throw new Error(
      `the instructor's Consul servers (${joinInfo.servers.join(', ')}) do not answer on TCP: your network must let through ${portsHint} ` +
        '(a guest Wi-Fi that isolates clients blocks it); then run lab:join again',
    );
  }
  timer.end('servers');

  // Its own service workshop-<name> (= its ID): the student's token writes that service name only, so no student can
  // deregister another's instance (Consul authorises a catalog deregister by write on the service's name).
  const serviceName = state.serviceId;
  progress.line(`your API registers as its own service "${serviceName}"`);

  const envFile = await engine.ensureImages(root, opts.offline === true, progress);
  timer.end('images');
  const env = studentComposeEnv({ state, settings, githubApi, githubToken, serviceName, checkScope: opts.checkScope });
  deps.out(`Starting your host (docker compose -p ${settings.project} -f ${STUDENT_COMPOSE_FILE} up -d)\n`);
  deps.compose.start(
    deps.composeUp(['-f', composeFile, 'up', '-d', '--remove-orphans'], { project: settings.project, envFile, cwd: root, env }),
  );

  const ctx: DiagnosisContext = {
    instructor: joinInfo.instructor,
    address,
    serfPort: settings.serfPort,
    apiPort: settings.apiPort,
    portsHint,
  };
  const checkScope = opts.checkScope ?? 'service';
  await waitForPage({ name, state, settings, joinInfo, address, ctx, timeoutMs: opts.timeout, timer, checkScope }, engine, progress, deps);
  return 0;
}

/** Where the student stands while lab:join waits. */
export type JoinPhase = 'containers' | 'passing' | 'page';

interface WaitInput {
  name: string;
  state: StudentState;
  settings: StudentSettings;
  joinInfo: JoinInfo;
  address: string;
  ctx: DiagnosisContext;
  timeoutMs: number;
  /** Marks the phases from containers up to on the page (joinBreakdown.ts). */
  timer: JoinTimer;
  checkScope: CheckScope;
}

/**
 * How often lab:join looks (Docker's container list, the student's own agent on loopback, then the page): 250 ms,
 * not 1 s, since each look that comes after the event adds its wait to the join; four cheap requests a second.
 */
export const JOIN_POLL_MS = 250;

/**
 * Wait (a look every JOIN_POLL_MS) through the phases containers → passing → page, printing each step (in passing:
 * agent joined, registered, passing) and marking it on the timer; on the page, the last lines with the URLs and the
 * breakdown. Throws one line: Compose failed, a cause no wait cures, or the timeout with where it stuck.
 */
export async function waitForPage(w: WaitInput, engine: JoinEngine, progress: Progress, deps: JoinDeps): Promise<void> {
  const { name, state, settings, joinInfo, address, ctx, timer } = w;
  const deadline = deps.now() + w.timeoutMs;
  const seen = new Map<string, string>();
  let phase: JoinPhase = 'containers';
  let health: ApiHealth = { joined: false, registered: false, service: false, node: false };
  const warned = new Set<Diagnosis['cause']>();
  let lastDiagnosis = 0;
  for (;;) {
    const containers = await engine.listContainers(settings.project);
    for (const l of stateChanges(seen, containers)) progress.line(l);
    const composeDone = deps.compose.done;
    if (composeDone && composeDone.code !== 0) {
      const cause = (await engine.diagnose(containers, ctx))?.line;
      throw new Error(cause ?? `docker compose up failed: ${composeDone.line}${upFailureHint(composeDone.line ?? '', settings)}`);
    }
    // Running is enough: the agent and the API retry until they reach what they need, and what counts is Consul.
    if (phase === 'containers' && composeDone && containers.length > 0 && containers.every(isRunning)) {
      timer.end('containers');
      phase = 'passing';
    }
    if (phase === 'passing') {
      health = await deps.apiHealth(settings, state, w.checkScope).catch(() => health);
      if (health.joined && !timer.has('agent')) {
        timer.end('agent');
        progress.line(`your agent joined the cluster as ${state.nodeName}`);
      }
      if (health.joined && health.registered && !timer.has('registered')) {
        timer.end('registered');
        progress.line(`${state.serviceId} is registered in Consul`);
      }
      if (health.joined && health.service && health.node) {
        timer.end('passing');
        progress.line(`${state.serviceId} is passing in Consul`);
        phase = 'page';
      }
    }
    if (phase === 'page' && (await deps.onPage(joinInfo.page, state.serviceId).catch(() => false))) {
      timer.end('page');
      const breakdown = timer.breakdown();
      const secs = formatSeconds(breakdown.totalMs);
      // The URLs come from the join info (validated, but text from elsewhere): written terminal-safe.
      deps.out(
        [
          `"${name}" is on the instructor's page after ${secs}: ${new URL(`avatars/${state.serviceId}`, joinInfo.page).href}`,
          `  The page        ${joinInfo.page}`,
          `  The room's UI   ${joinInfo.consulUi}`,
          `  Your agent's UI http://127.0.0.1:${settings.httpPort}/ui/`,
          'Leave the class (frees your name): npm run lab:leave',
          formatJoinBreakdown(breakdown),
        ]
          .map(terminalSafeLine)
          .join('\n') + '\n',
      );
      return;
    }
    // The logs tell a stuck join's cause long before the timeout. A rejected gossip key or token is final at once;
    // unreachable ports only after a while (an instructor restarting its lab refuses connections for seconds). A
    // flapping node (UDP dropped, TCP through) can still reach the page now and then: said once, not fatal.
    if (deps.now() - lastDiagnosis > 5000 && progress.elapsedMs() > 8000) {
      lastDiagnosis = deps.now();
      const d = await engine.diagnose(containers, ctx);
      if (d && FINAL_CAUSES.has(d.cause)) throw new Error(d.line);
      if (d && phase === 'containers' && d.cause !== 'no-leader' && d.cause !== 'udp' && progress.elapsedMs() > 40_000)
        throw new Error(d.line);
      if (d && WARN_CAUSES.has(d.cause) && !warned.has(d.cause)) {
        warned.add(d.cause);
        progress.line(terminalSafeLine(`warning: ${d.line}`));
      }
    }
    if (deps.now() > deadline) {
      const cause = (await engine.diagnose(containers, ctx))?.line;
      const unready = containers.filter((c) => !isRunning(c)).map((c) => `${shortName(c)} (${c.state})`);
      const where =
        phase === 'containers'
          ? `not ready: ${unready.join(', ') || 'compose still starting'}`
          : phase === 'passing' && !health.joined
            ? `${state.nodeName} is not in the cluster's catalog (its agent has not joined; \`docker compose -p ${settings.project} logs student-agent\` says why)`
            : phase === 'passing' && !health.node
              ? `the instructor's servers mark ${state.nodeName} failed: they cannot reach this machine back at ${address}; allow incoming TCP+UDP ${settings.serfPort} (and TCP ${settings.apiPort}) in this machine's firewall`
              : phase === 'passing'
                ? `${state.serviceId} is not passing in Consul (the agent's HTTP check reaches it at ${address}:${settings.apiPort})`
                : `${state.serviceId} is passing but not on ${joinInfo.page} (the instructor's Nginx must reach ${address}:${settings.apiPort}: allow incoming TCP ${settings.apiPort})`;
      throw new Error(
        `${cause ?? where} after ${formatSeconds(w.timeoutMs)}; look at \`docker compose -p ${settings.project} logs\`, npm run lab:leave removes it`,
      );
    }
    await deps.sleep(JOIN_POLL_MS);
  }
}

function isRunning(c: Pick<LabContainer, 'state'>): boolean {
  return c.state === 'running';
}
