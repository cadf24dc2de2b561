import os from 'node:os';
import { sleep, withTimeout } from '../shared/async';
import { formatHostPort } from '../shared/consul/address';
import type { ConsulClient } from '../shared/consul/client';
import { consulDuration } from '../shared/duration';
import { consulErrorDetail, isPermanentConsulError } from '../shared/consul/errors';
import { readAs } from '../shared/consul/http';
import { agentChecksSchema, agentServicesSchema, healthEntriesSchema } from '../shared/consul/schemas';
import type { Logger } from '../shared/logger';
import { watchRegistration } from '../shared/registrationWatch';
import { WORKSHOP_META, WORKSHOP_SERVICE_NAME, workshopNodeCheckId } from './names';

export interface CheckSettings {
  /** false = register without a check (`--no-check`, the "Consul still says it is fine" lesson). */
  enabled: boolean;
  intervalMs: number;
  timeoutMs: number;
  /** Consecutive passing results before the check turns passing (anti-flapping; Consul >= 1.7). */
  successBeforePassing: number;
  /** Consecutive failing results before the check turns critical (anti-flapping; Consul >= 1.7). */
  failuresBeforeCritical: number;
  /**
   * Consul removes the service after its check has been critical this long (a crashed instance cleans up).
   * 0 = never (the field is left out, Consul's own default).
   */
  deregisterCriticalAfterMs: number;
}

export const DEFAULT_CHECK: CheckSettings = {
  enabled: true,
  intervalMs: 2000,
  timeoutMs: 1000,
  successBeforePassing: 1,
  failuresBeforeCritical: 1,
  deregisterCriticalAfterMs: 60_000,
};

export interface Instance {
  id: string;
  name: string;
  /** Address registered in Consul and used by the check. */
  host: string;
  port: number;
  /**
   * The Consul service name (`--service`): `workshop` (the lab's own instances), or the instance's own ID
   * `workshop-<name>` (a classroom student's, so its ACL token needs write on its own service name only).
   * Default `workshop`.
   */
  service?: string;
}

/** What the `consul` client's agent.service.register takes (its lower-case option names). */
export interface ServiceDefinition {
  name: string;
  id: string;
  address: string;
  port: number;
  meta: Record<string, string>;
  check?: HttpCheck & { name: string; deregistercriticalserviceafter?: string };
}

/** The HTTP check on /health, whichever scope it is registered in (the `consul` client's option names). */
export interface HttpCheck {
  http: string;
  interval: string;
  timeout: string;
  successbeforepassing: number;
  failuresbeforecritical: number;
}

function httpCheck(inst: Instance, check: CheckSettings): HttpCheck {
  return {
    http: `http://${formatHostPort({ host: inst.host, port: inst.port })}/health`,
    interval: consulDuration(check.intervalMs),
    timeout: consulDuration(check.timeoutMs),
    successbeforepassing: check.successBeforePassing,
    failuresbeforecritical: check.failuresBeforeCritical,
  };
}

/**
 * The service definition, with the HTTP check INSIDE it (`check`), so the check is bound to this service ID.
 * The original workshop registered the check on its own (node level), which marked every service on the
 * host unhealthy when one API instance failed.
 */
export function buildServiceDefinition(inst: Instance, check: CheckSettings, hostname: string = os.hostname()): ServiceDefinition {
  const def: ServiceDefinition = {
    name: inst.service ?? WORKSHOP_SERVICE_NAME,
    id: inst.id,
    address: inst.host,
    port: inst.port,
    meta: { [WORKSHOP_META.name]: inst.name, [WORKSHOP_META.host]: hostname },
  };
  if (check.enabled) {
    def.check = { name: `${inst.id} /health`, ...httpCheck(inst, check) };
    if (check.deregisterCriticalAfterMs > 0) def.check.deregistercriticalserviceafter = consulDuration(check.deregisterCriticalAfterMs);
  }
  return def;
}

/**
 * Where the HTTP check belongs (`--check-scope`). `service` (default, the fix): inside the service definition,
 * bound to our service ID. `node`: the original workshop's mistake, kept as an exercise — a separate check
 * without a ServiceID belongs to the node, and a critical node check makes EVERY service on that agent's node
 * unhealthy (`/v1/health/service/<name>?passing` counts node checks for every service), so one dead instance takes
 * all instances registered through the same agent out of discovery.
 */
export type CheckScope = 'service' | 'node';
export const CHECK_SCOPES: readonly CheckScope[] = ['service', 'node'];

/** What the `consul` client's agent.check.register takes: note, no `serviceid` (that is the mistake). */
export interface NodeCheckDefinition extends HttpCheck {
  id: string;
  name: string;
}

/**
 * The workshop's node-level check (`--check-scope node`): the same HTTP check, registered on its own with no
 * ServiceID. ID unique per instance, so two instances on one agent do not replace each other's check and
 * shutdown can remove exactly ours. No DeregisterCriticalServiceAfter: Consul only reaps checks that belong to
 * a service, so a node check left behind by a crash stays critical until someone deregisters it by hand.
 */
export function buildNodeCheck(inst: Instance, check: CheckSettings): NodeCheckDefinition {
  return {
    id: workshopNodeCheckId(inst.id),
    name: `${inst.id} /health (node-level)`,
    ...httpCheck(inst, check),
  };
}

/** The service definition and, with `--check-scope node`, the separate node-level check (the service then has none). */
export function buildRegistration(
  inst: Instance,
  check: CheckSettings,
  scope: CheckScope,
  hostname: string = os.hostname(),
): { service: ServiceDefinition; nodeCheck?: NodeCheckDefinition } {
  if (scope === 'service' || !check.enabled) return { service: buildServiceDefinition(inst, check, hostname) };
  return { service: buildServiceDefinition(inst, { ...check, enabled: false }, hostname), nodeCheck: buildNodeCheck(inst, check) };
}

/** Another live instance holds our ID: a clear, non-retryable error. */
export class DuplicateInstanceError extends Error {
  override name = 'DuplicateInstanceError';
}

/**
 * Refuse to take over an ID that another live instance holds: same ID, a different address:port,
 * and all of its checks passing. A critical (crashed) holder, or our own address:port (a restart), may be replaced.
 */
export async function assertIdFree(consul: ConsulClient, inst: Instance, timeoutMs = 3000): Promise<void> {
  const service = inst.service ?? WORKSHOP_SERVICE_NAME;
  const answer: unknown = await withTimeout(consul.health.service({ service }), timeoutMs, 'Consul health query');
  // Not a list: a ConsulError without a status, so registerWithRetry asks again (it is not a refusal).
  for (const e of readAs(`GET /v1/health/service/${service}`, answer, healthEntriesSchema)) {
    if (e.Service.ID !== inst.id) continue;
    if (e.Service.Address === inst.host && e.Service.Port === inst.port) continue;
    const passing = e.Checks.every((c) => c.Status === 'passing');
    if (passing) {
      throw new DuplicateInstanceError(
        // Address, port and node come from Consul (whoever registered them): quoted, never raw on a terminal.
        `service ID "${inst.id}" is already registered by a live instance at ${JSON.stringify(`${e.Service.Address}:${e.Service.Port}`)} ` +
          `(node ${JSON.stringify(e.Node.Node)}, checks passing): choose another name (WORKSHOP_NAME / "name")`,
      );
    }
  }
}

/**
 * The agent answered, and said no in a way asking again cannot fix (isPermanentConsulError: HTTP 400, 403
 * "Permission denied", a request that cannot be built). Registering with an interval Consul refuses used to be
 * retried as "agent not reachable" for ~33 s; now it ends at once with the agent's own reason.
 */
export class RegistrationRefusedError extends Error {
  override name = 'RegistrationRefusedError';
}

/**
 * The start-up back-off: 250 ms doubling to 1 s. Short on purpose: in a student's stack workshop-api starts beside
 * its agent without waiting for it (classroom/student.compose.yml), so every attempt past the agent's first answer
 * is time before the avatar reaches the page; a cap of 1 s picks a joined agent up within a second (the old 5 s cap
 * could add 4 s), and one request a second to a loopback agent costs nothing.
 */
export const REGISTER_BACKOFF = { initialMs: 250, maxMs: 1000 } as const;

export interface RetryOptions {
  /** Attempts before giving up (>= 1). */
  attempts: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  logger: Logger;
  consulAddr: string;
  sleep?: (ms: number) => Promise<void>;
  /** `--check-scope node`: registered after the service, in the same attempt. */
  nodeCheck?: NodeCheckDefinition;
}

/**
 * Check the ID is free, then register through the local agent, retrying with exponential backoff while the
 * agent is unreachable (in Compose the agent may start after us). One log line per failed attempt.
 * Hand-written rather than p-retry: p-retry is ESM-only since v5 (this lab is CommonJS on Node 20, and so is
 * jest here), and its timer cannot be injected, which the tests use to check the delays without waiting for them.
 */
export async function registerWithRetry(consul: ConsulClient, inst: Instance, def: ServiceDefinition, opts: RetryOptions): Promise<void> {
  const pause = opts.sleep ?? sleep;
  let delay = opts.initialDelayMs ?? REGISTER_BACKOFF.initialMs;
  const maxDelay = opts.maxDelayMs ?? REGISTER_BACKOFF.maxMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await assertIdFree(consul, inst);
      await withTimeout(consul.agent.service.register(def), 5000, 'Consul service registration');
      if (opts.nodeCheck) await withTimeout(consul.agent.check.register(opts.nodeCheck), 5000, 'Consul node check registration');
      return;
    } catch (err) {
      if (err instanceof DuplicateInstanceError) throw err;
      const { status, reason: why } = consulErrorDetail(err);
      if (isPermanentConsulError(err)) {
        throw new RegistrationRefusedError(`the Consul agent at ${opts.consulAddr} refused the registration${httpStatus(status)}: ${why}`);
      }
      if (attempt >= opts.attempts) {
        throw new Error(`cannot register with the Consul agent at ${opts.consulAddr} after ${attempt} attempts: ${why}`, { cause: err });
      }
      opts.logger.warn('Consul agent not reachable, retrying', {
        attempt,
        of: opts.attempts,
        retryInMs: delay,
        consul: opts.consulAddr,
        error: why,
      });
      await pause(delay);
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}

/** " (HTTP 403)", or nothing for an error without a status (a request that could not even be built). */
function httpStatus(status: number | undefined): string {
  return status === undefined ? '' : ` (HTTP ${status})`;
}

export async function deregister(consul: ConsulClient, id: string, timeoutMs = 3000): Promise<void> {
  await withTimeout(consul.agent.service.deregister(id), timeoutMs, 'Consul deregistration');
}

/** Remove the node-level check (`--check-scope node`): left behind, a dead one would keep the whole node critical. */
export async function deregisterCheck(consul: ConsulClient, id: string, timeoutMs = 3000): Promise<void> {
  await withTimeout(consul.agent.check.deregister(id), timeoutMs, 'Consul node check deregistration');
}

/** Default of --reregister-interval: a vanished registration is back within ~2 s of the agent answering again. */
export const DEFAULT_REREGISTER_INTERVAL_MS = 2000;

export interface KeepRegisteredOptions {
  intervalMs: number;
  logger: Logger;
  /**
   * The loop ended for good: the agent refused our registration (HTTP 4xx: an ACL token revoked, a definition
   * it no longer accepts), or another live instance holds our ID. The caller must stop serving and exit.
   */
  onFatal?: (err: Error) => void;
  /** The agent unreachable this long before that is logged (a restart is quicker and needs no line of its own). */
  quietOutageMs?: number;
  now?: () => number;
  /** `--check-scope node`: the agent must hold this check too; a lost one is registered again with the service. */
  nodeCheck?: NodeCheckDefinition;
}

/** The words of workshop-api's re-registration lines (the README and the integration tests quote them). */
const WATCH_WORDING = {
  reregistered: 'registration was missing from the local agent; registered again',
  outageField: 'agentUnreachableMs',
  unreachable: 'cannot verify registration with the Consul agent; will keep trying',
};

/**
 * Anti-entropy for our own registration (services/shared/registrationWatch): every `intervalMs`, ask the local
 * agent whether it still holds our service, and register it again if not. A client agent that was recreated
 * (Compose `up --force-recreate`, no data volume) forgets services registered through its API; without this,
 * the instance would stay invisible to Nginx until restarted. Returns a stop function (called first thing on
 * shutdown). What workshop-api adds: our ID at another address is someone else's (fatal), and a refusal is
 * said as a RegistrationRefusedError.
 *
 * Logging: a re-registration is ONE line, also after the agent was briefly down (a restart). Only an outage
 * longer than `quietOutageMs` gets a line of its own (and one when the agent answers again).
 */
export function keepRegistered(consul: ConsulClient, def: ServiceDefinition, opts: KeepRegisteredOptions): () => Promise<void> {
  const refused =
    (what: string) =>
    (err: unknown): never => {
      if (!isPermanentConsulError(err)) throw err;
      const { status, reason } = consulErrorDetail(err);
      throw new RegistrationRefusedError(`the Consul agent refused ${what}${httpStatus(status)}: ${reason}`);
    };
  const watch = watchRegistration({
    isRegistered: async () => {
      const listed: unknown = await withTimeout(consul.agent.service.list(), 3000, 'Consul agent service list').catch(
        refused('to list services'),
      );
      // Not an object: a ConsulError without a status, which the watch counts as "cannot ask", and asks again.
      const services = readAs('GET /v1/agent/services', listed, agentServicesSchema);
      const mine = Object.hasOwn(services, def.id) ? services[def.id] : undefined;
      // Only an entry that says where it is counts as someone else's (a list entry always has Port and Address).
      if (mine && mine.Port !== undefined && (mine.Port !== def.port || mine.Address !== def.address)) {
        // Someone registered our ID at another address while ours was gone: two instances would share one ID.
        throw new DuplicateInstanceError(
          // Address/port come from Consul, so from whoever registered there: quoted, never raw on a terminal.
          `service ID "${def.id}" is now registered by another instance at ${JSON.stringify(`${mine.Address}:${mine.Port}`)}: stopping (choose another name, WORKSHOP_NAME / "name")`,
        );
      }
      if (mine === undefined) return false;
      if (!opts.nodeCheck) return true;
      const checkList: unknown = await withTimeout(consul.agent.check.list(), 3000, 'Consul agent check list').catch(
        refused('to list checks'),
      );
      return Object.hasOwn(readAs('GET /v1/agent/checks', checkList, agentChecksSchema), opts.nodeCheck.id);
    },
    register: async () => {
      await withTimeout(consul.agent.service.register(def), 5000, 'Consul service registration').catch(refused('the re-registration'));
      if (opts.nodeCheck) {
        await withTimeout(consul.agent.check.register(opts.nodeCheck), 5000, 'Consul node check registration').catch(
          refused('the node check re-registration'),
        );
      }
    },
    intervalMs: opts.intervalMs,
    logger: opts.logger.child({ service: def.name }),
    wording: WATCH_WORDING,
    isPermanent: (err) => err instanceof RegistrationRefusedError || err instanceof DuplicateInstanceError,
    onPermanentError: (err) => opts.onFatal?.(err as Error),
    quietMs: opts.quietOutageMs ?? 10_000,
    now: opts.now,
  });
  // Stopping waits for a check in flight, so a re-registration can never land after our deregistration.
  return () => watch.stop();
}
