/*
 * workshop-api's names as other code may rely on them (the lab scripts, tests). No imports and no side effects,
 * so importing this never loads the service itself.
 */

/** The Consul service name every workshop-api instance registers under (and Nginx's upstream is built from). */
export const WORKSHOP_SERVICE_NAME = 'workshop';

/**
 * The instance's name when none is configured (Compose, no config file): `api-` + the first 6 characters of
 * the hostname, so scaled replicas (hostname = short container id) stay distinct.
 */
export function defaultNameFromHostname(hostname: string): string {
  const part = hostname
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 6);
  return `api-${part || 'local'}`;
}

/** `workshop-<name>`: the Consul service ID, and the instance id in responses and URLs. */
export function workshopServiceId(name: string): string {
  return `${WORKSHOP_SERVICE_NAME}-${name}`;
}
