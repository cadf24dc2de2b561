// lab:join's steps that talk to the world (files, the instructor, Docker, the student's agent, the page): the live
// side of joinCommand.ts's JoinDeps, each a small named function.
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import type Docker from 'dockerode';
import { nodeChecks } from '../../../services/shared/consul/endpoints';
import { ConsulError } from '../../../services/shared/consul/errors';
import type { ConsulCheck } from '../../../services/shared/consul/schemas';
import { errorMessage, UsageError } from '../../../services/shared/errors';
import { pageLinksAvatar } from '../../../services/shared/pageLinks';
import { readContainerLogs } from '../docker/engine';
import { OFFLINE_ENV_FILE, readEnvFile, REGISTRY_ENV_FILE } from '../docker/envFile';
import type { LabContainer } from '../docker/labContainers';
import { imagePresent, pullFailureReason, pullImage } from '../images/pull';
import type { Progress } from '../term/progress';
import { fetchJoinInfo, fetchPinnedCa, pinnedFetch } from './enrollClient';
import { parseJoinInfo, type JoinInfo } from './joinInfo';
import { instructorPortsHint, parseJoinTarget, type StudentSettings } from './studentAddress';
import { diagnoseAgentLog, diagnoseApiLog, type Diagnosis, type DiagnosisContext } from './studentDiagnosis';
import type { StudentState } from './studentState';
import { caPin } from './tls';

/**
 * The join info: from the file (trusted as handed over; checked against --pin when given), or from the instructor's
 * enrollment service for the code, after its certificate chain showed the CA with the pin (before the code is sent).
 * Either way the join info's CA must be the pinned one.
 */
export async function resolveJoinInfo(targetArg: string, code: string | undefined, pin: string | undefined): Promise<JoinInfo> {
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

/** TCP connect to host:port within `ms`: true when something answers (serf also listens on TCP). */
export function tcpReachable(host: string, port: number, ms: number): Promise<boolean> {
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
export async function ensureStudentImages(docker: Docker, root: string, offline: boolean, progress: Progress): Promise<string | undefined> {
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

export interface ApiHealth {
  /** The node is in the catalog (the leader gave it its serfHealth check): the agent joined. */
  joined: boolean;
  /** The service is in the catalog (with its check, registered with it). */
  registered: boolean;
  /** The service's checks all passing (false when it has none yet). */
  service: boolean;
  /** The node's checks all passing (true while it has none: joined says whether it has). */
  node: boolean;
}

/**
 * The student's instance as the instructor's page sees it: its service check AND its node's serfHealth (a node the
 * servers cannot reach back is "failed", and the page drops every service on it however well the API answers).
 * One request gives every step lab:join times: node joined, service registered, both passing.
 */
export async function apiHealth(settings: StudentSettings, state: StudentState, scope: CheckScope = 'service'): Promise<ApiHealth> {
  const agent = { baseUrl: `http://127.0.0.1:${settings.httpPort}`, token: state.token, timeoutMs: 3000 };
  let checks: ConsulCheck[];
  try {
    checks = await nodeChecks(agent, state.nodeName, `ServiceID == "${state.serviceId}" or ServiceID == ""`);
  } catch (err) {
    // An answer that is not 200 yet (the token still replicating, the node not registered): not passing, ask again.
    // No answer at all is the caller's to report.
    if (err instanceof ConsulError && err.status !== undefined) return { joined: false, registered: false, service: false, node: false };
    throw err;
  }
  return judgeHealth(checks, state.serviceId, scope);
}

/** Where workshop-api attaches its check (lab:join --check-scope; workshop-api's WORKSHOP_CHECK_SCOPE). */
export type CheckScope = 'service' | 'node';

/** The agent's own liveness check on every node. */
const SERF_HEALTH = 'serfHealth';

/**
 * Where the student's API stands, from its node's checks. With --check-scope node (exercise 5's mistake, the room's
 * exercise (c)) the API's check is a node-level one: registered = a node check besides serfHealth, and the API counts
 * as passing when the whole node does.
 */
export function judgeHealth(checks: ConsulCheck[], serviceId: string, scope: CheckScope): ApiHealth {
  const service = checks.filter((c) => c.ServiceID === serviceId);
  const node = checks.filter((c) => !c.ServiceID);
  const nodePassing = node.every((c) => c.Status === 'passing');
  if (scope === 'node') {
    const registered = node.some((c) => c.CheckID !== SERF_HEALTH);
    return { joined: node.length > 0, registered, service: registered && nodePassing, node: nodePassing };
  }
  return {
    joined: node.length > 0,
    registered: service.length > 0,
    service: service.length > 0 && service.every((c) => c.Status === 'passing'),
    node: nodePassing,
  };
}

/** Whether the instructor's shared page links this student's avatar. */
export async function onPage(page: string, serviceId: string): Promise<boolean> {
  const res = await fetch(page, { redirect: 'manual', signal: AbortSignal.timeout(3000) });
  return pageLinksAvatar(await res.text(), serviceId);
}

/** A cause from the agent's and the API's logs, if they show one. */
export async function diagnoseStudent(docker: Docker, containers: LabContainer[], ctx: DiagnosisContext): Promise<Diagnosis | undefined> {
  for (const c of containers) {
    if (c.service !== 'student-agent' && c.service !== 'workshop-api') continue;
    const { stdout, stderr } = await readContainerLogs(docker, c.id, { tail: 300 }).catch(() => ({ stdout: '', stderr: '' }));
    const d = c.service === 'student-agent' ? diagnoseAgentLog(stdout + stderr, ctx) : diagnoseApiLog(stdout + stderr, ctx);
    if (d) return d;
  }
  return undefined;
}
