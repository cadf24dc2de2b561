import os from 'node:os';
import type { ConsulClient } from '../shared/consulClient';
import { consulDuration } from '../shared/duration';
import { errorMessage } from '../shared/errors';
import type { Logger } from '../shared/logger';

export const SERVICE_NAME = 'workshop';

export interface CheckSettings {
  /** false = register without a check (`--no-check`, the "Consul still says it is fine" lesson). */
  enabled: boolean;
  intervalMs: number;
  timeoutMs: number;
  /** Consecutive passing results before the check turns passing (anti-flapping; Consul >= 1.7). */
  successBeforePassing: number;
  /** Consecutive failing results before the check turns critical (anti-flapping; Consul >= 1.7). */
  failuresBeforeCritical: number;
  /** Consul removes the service after its check has been critical this long (a crashed instance cleans up). */
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
}

/** What the `consul` client's agent.service.register takes (its lower-case option names). */
export interface ServiceDefinition {
  name: string;
  id: string;
  address: string;
  port: number;
  meta: Record<string, string>;
  check?: {
    name: string;
    http: string;
    interval: string;
    timeout: string;
    successbeforepassing: number;
    failuresbeforecritical: number;
    deregistercriticalserviceafter: string;
  };
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The service definition, with the HTTP check INSIDE it (`check`), so the check is bound to this service ID.
 * The original workshop registered the check on its own (node level), which marked every service on the
 * host unhealthy when one API instance failed.
 */
export function buildServiceDefinition(inst: Instance, check: CheckSettings, hostname: string = os.hostname()): ServiceDefinition {
  const def: ServiceDefinition = {
    name: SERVICE_NAME,
    id: inst.id,
    address: inst.host,
    port: inst.port,
    meta: { name: inst.name, host: hostname },
  };
  if (check.enabled) {
    def.check = {
      name: `${inst.id} /health`,
      http: `http://${urlHost(inst.host)}:${inst.port}/health`,
      interval: consulDuration(check.intervalMs),
      timeout: consulDuration(check.timeoutMs),
      successbeforepassing: check.successBeforePassing,
      failuresbeforecritical: check.failuresBeforeCritical,
      deregistercriticalserviceafter: consulDuration(check.deregisterCriticalAfterMs),
    };
  }
  return def;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Another live instance holds our ID: a clear, non-retryable error. */
export class DuplicateInstanceError extends Error {
  override name = 'DuplicateInstanceError';
}

interface HealthEntry {
  Node: { Node: string };
  Service: { ID: string; Address: string; Port: number };
  Checks: Array<{ ServiceID: string; Status: string }>;
}

/**
 * Refuse to take over an ID that another live instance holds: same ID, a different address:port,
 * and all of its checks passing. A critical (crashed) holder, or our own address:port (a restart), may be replaced.
 */
export async function assertIdFree(consul: ConsulClient, inst: Instance, timeoutMs = 3000): Promise<void> {
  const entries = (await withTimeout(
    consul.health.service({ service: SERVICE_NAME }) as Promise<HealthEntry[]>,
    timeoutMs,
    'Consul health query',
  )) as HealthEntry[];
  for (const e of entries) {
    if (e.Service.ID !== inst.id) continue;
    if (e.Service.Address === inst.host && e.Service.Port === inst.port) continue;
    const passing = e.Checks.every((c) => c.Status === 'passing');
    if (passing) {
      throw new DuplicateInstanceError(
        `service ID "${inst.id}" is already registered by a live instance at ${e.Service.Address}:${e.Service.Port} ` +
          `(node ${e.Node.Node}, checks passing): choose another name (WORKSHOP_NAME / "name")`,
      );
    }
  }
}

export interface RetryOptions {
  /** Attempts before giving up (>= 1). */
  attempts: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  logger: Logger;
  consulAddr: string;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Check the ID is free, then register through the local agent, retrying with exponential backoff while the
 * agent is unreachable (in Compose the agent may start after us). One log line per failed attempt.
 */
export async function registerWithRetry(consul: ConsulClient, inst: Instance, def: ServiceDefinition, opts: RetryOptions): Promise<void> {
  const sleep = opts.sleep ?? defaultSleep;
  let delay = opts.initialDelayMs ?? 500;
  const maxDelay = opts.maxDelayMs ?? 5000;
  for (let attempt = 1; ; attempt++) {
    try {
      await assertIdFree(consul, inst);
      await withTimeout(consul.agent.service.register(def), 5000, 'Consul service registration');
      return;
    } catch (err) {
      if (err instanceof DuplicateInstanceError) throw err;
      const why = errorMessage(err);
      if (attempt >= opts.attempts) {
        throw new Error(`cannot register with the Consul agent at ${opts.consulAddr} after ${attempt} attempts: ${why}`);
      }
      opts.logger.warn('Consul agent not reachable, retrying', { attempt, of: opts.attempts, retryInMs: delay, consul: opts.consulAddr, error: why });
      await sleep(delay);
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}

export async function deregister(consul: ConsulClient, id: string, timeoutMs = 3000): Promise<void> {
  await withTimeout(consul.agent.service.deregister(id), timeoutMs, 'Consul deregistration');
}

export interface KeepRegisteredOptions {
  intervalMs: number;
  logger: Logger;
}

/**
 * Anti-entropy for our own registration: every `intervalMs`, ask the local agent whether it still holds our
 * service, and register it again if not. A client agent that was recreated (Compose `up --force-recreate`, no
 * data volume) forgets services registered through its API; without this, the instance would stay invisible
 * to Nginx until restarted. Returns a stop function (called first thing on shutdown).
 */
export function keepRegistered(consul: ConsulClient, def: ServiceDefinition, opts: KeepRegisteredOptions): () => Promise<void> {
  if (opts.intervalMs <= 0) return async () => undefined; // 0 = disabled
  let stopped = false;
  let failing = false;
  let current: Promise<void> | undefined;
  const tick = async (): Promise<void> => {
    try {
      const services = (await withTimeout(consul.agent.service.list(), 3000, 'Consul agent service list')) as Record<string, unknown>;
      if (stopped) return;
      if (!(def.id in services)) {
        await withTimeout(consul.agent.service.register(def), 5000, 'Consul service registration');
        opts.logger.warn('registration was missing from the local agent; registered again', { service: def.name });
      } else if (failing) {
        opts.logger.info('Consul agent reachable again; registration present');
      }
      failing = false;
    } catch (err) {
      // One line when the agent becomes unreachable, not one per tick.
      if (!failing) opts.logger.warn('cannot verify registration with the Consul agent; will keep trying', { error: errorMessage(err) });
      failing = true;
    }
  };
  const timer = setInterval(() => {
    if (stopped || current) return;
    current = tick().finally(() => (current = undefined));
  }, opts.intervalMs);
  timer.unref();
  // Stopping waits for a tick in flight, so a re-registration can never land after our deregistration.
  return async () => {
    stopped = true;
    clearInterval(timer);
    await current;
  };
}
