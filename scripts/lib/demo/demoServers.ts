import type Docker from 'dockerode';
import { execText } from '../docker/engine';
import type { LabContainer } from '../docker/labContainers';
import { shortName } from '../docker/readiness';

/*
 * Which demo-server container a consul-demo instance in Consul is. All demo servers on host-b share its
 * address and hostname, so neither tells them apart; each server writes its instance prefix (the service ID
 * without the `-<n>` incarnation) to DEMO_INSTANCE_FILE (docker-compose.yml), and that is what we read.
 */

/** The prefix a demo-server container's process wrote, or undefined while it has not (yet). */
export async function readInstancePrefix(docker: Docker, container: LabContainer): Promise<string | undefined> {
  try {
    const r = await execText(docker.getContainer(container.id), ['sh', '-c', 'cat "$DEMO_INSTANCE_FILE"']);
    const prefix = r.stdout.trim();
    return r.exitCode === 0 && prefix ? prefix : undefined;
  } catch {
    return undefined;
  }
}

/** Instance prefix → its container, for the containers that have written one. */
export async function demoServerPrefixes(docker: Docker, containers: LabContainer[]): Promise<Map<string, LabContainer>> {
  const out = new Map<string, LabContainer>();
  for (const c of containers) {
    const p = await readInstancePrefix(docker, c);
    if (p) out.set(p, c);
  }
  return out;
}

/** The container behind a service ID (or an instance prefix), by the prefixes read above. */
export function containerOfInstance(prefixes: Map<string, LabContainer>, serviceIdOrPrefix: string): LabContainer | undefined {
  for (const [prefix, c] of prefixes) if (serviceIdOrPrefix === prefix || serviceIdOrPrefix.startsWith(`${prefix}-`)) return c;
  return undefined;
}

/** The short container name for a service ID, '(gone)' when no running container claims it. */
export function containerLabel(prefixes: Map<string, LabContainer>, serviceIdOrPrefix: string): string {
  const c = containerOfInstance(prefixes, serviceIdOrPrefix);
  return c ? shortName(c) : '(gone)';
}
