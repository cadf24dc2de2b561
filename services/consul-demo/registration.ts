import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { ConsulClient } from '../shared/consul/client';
import { readAs } from '../shared/consul/http';
import { agentServicesSchema } from '../shared/consul/schemas';
import { CONSUL_DEMO_META, CONSUL_DEMO_SERVICE_NAME, type RestartMode } from './names';
import { Version } from './protocol';

/**
 * Consul's minimum for DeregisterCriticalServiceAfter is one minute (its reaper runs every 30 s).
 * This is the safety net for a server that crashed without deregistering; a clean exit deregisters at once.
 */
export const DEREGISTER_CRITICAL_AFTER = '1m';

/**
 * What tells one server process from every other: `consul-demo-<host>-<pid>-<4 hex>`. Host and pid keep it
 * readable (in a container the hostname is the short container id; on a laptop the pid is what to kill). The
 * random part is there because they alone are not unique: containers sharing one network namespace (Compose
 * `network_mode: service:…`, the lab's simulated hosts) share the hostname, and under tini usually the pid too,
 * so two servers on one simulated host would register over each other.
 */
export function instancePrefixFor(host = os.hostname(), pid = process.pid, nonce = randomBytes(2).toString('hex')): string {
  const safeHost = host.replace(/[^A-Za-z0-9-]/g, '-').replace(/^-+|-+$/g, '') || 'host';
  return `${CONSUL_DEMO_SERVICE_NAME}-${safeHost}-${pid}-${nonce}`;
}

/** `<instance prefix>-<n>`: unique per incarnation; serverKey() (peers.ts) takes the `-<n>` off again. */
export function serviceIdFor(instancePrefix: string, incarnation: number): string {
  return `${instancePrefix}-${incarnation}`;
}

export interface RegistrationInput {
  id: string;
  version: Version;
  address: string;
  port: number;
  restartMode: RestartMode;
}

/** The body of PUT /v1/agent/service/register, in the `consul` client's option form. */
export function registrationFor(r: RegistrationInput) {
  return {
    name: CONSUL_DEMO_SERVICE_NAME,
    id: r.id,
    address: r.address,
    port: r.port,
    tags: [r.version],
    // restart_mode: a one-server make-before-break lab always has an instance, a one-server break-before-make lab
    // has a gap on every restart; the lab's checks and view read this to tell the two apart. Another program reads
    // these keys (services/shared/names.ts CONSUL_DEMO_META).
    meta: { [CONSUL_DEMO_META.version]: r.version, [CONSUL_DEMO_META.restartMode]: r.restartMode },
    // `check` (singular) inside the service definition: Consul attaches it to this service
    // (ServiceID = r.id), so a failing check removes exactly this instance from DNS and the health API.
    check: {
      name: `${CONSUL_DEMO_SERVICE_NAME} TCP ${r.address}:${r.port}`,
      tcp: `${r.address}:${r.port}`,
      interval: '1s',
      timeout: '1s',
      deregistercriticalserviceafter: DEREGISTER_CRITICAL_AFTER,
      // We register only after listen() succeeded, so the port is known to accept. Without this the check
      // starts critical until its first run, which Consul staggers randomly within the interval: the new
      // incarnation would be invisible for up to 1 s more and the restart gap would look longer than it is.
      status: 'passing',
    },
  };
}

export interface RequestTimeout {
  timeout: number;
}

export async function registerService(consul: ConsulClient, r: RegistrationInput, timeoutMs: number): Promise<void> {
  // `timeout` is a documented per-request option of the consul client that its typings leave out.
  const opts: ReturnType<typeof registrationFor> & RequestTimeout = { ...registrationFor(r), timeout: timeoutMs };
  await consul.agent.service.register(opts);
}

export async function deregisterService(consul: ConsulClient, id: string, timeoutMs: number): Promise<void> {
  const opts: { id: string } & RequestTimeout = { id, timeout: timeoutMs };
  await consul.agent.service.deregister(opts);
}

/** Does the local agent hold service `id`? (GET /v1/agent/services: the agent's own state, no leader needed.) */
export async function isRegisteredLocally(consul: ConsulClient, id: string, timeoutMs: number): Promise<boolean> {
  // `filter` is only named so that the typings see an option they know (they leave out `timeout`).
  const opts: { filter?: string } & RequestTimeout = { timeout: timeoutMs };
  // An answer that is not a map of services throws (a ConsulError without a status): the watch retries, as when the
  // agent cannot be asked, instead of reading it as "gone" and registering again.
  const services = readAs('GET /v1/agent/services', await consul.agent.service.list(opts), agentServicesSchema);
  return Object.prototype.hasOwnProperty.call(services, id);
}
