import type Docker from 'dockerode';
import { UsageError } from '../../../services/shared/errors';
import type { ServiceInstance } from '../consul/labConsul';
import type { LabContainer } from '../docker/labContainers';

export const WORKSHOP_SERVICE = 'workshop-api';
export const WORKSHOP_CONSUL_SERVICE = 'workshop';

/** One workshop-api container and what Consul knows about it. */
export interface WorkshopTarget {
  container: LabContainer;
  hostname: string;
  /** The instance's display name: from its Consul registration when registered, else derived like the service does. */
  name: string;
  /** Consul service ID `workshop-<name>`. */
  serviceId: string;
  /** Its registration in Consul right now (any status), if any. */
  registration?: ServiceInstance;
}

/**
 * The name the workshop-api gives itself in Compose when WORKSHOP_NAME is not set: `api-` + the first
 * 6 characters of the hostname (= the short container id). Only used for containers that are not
 * registered right now (e.g. stopped), where Consul can't tell us; a registered one is named by its Meta.
 */
export function derivedInstanceName(hostname: string, env: string[] = []): string {
  const explicit = env.find((e) => e.startsWith('WORKSHOP_NAME='))?.slice('WORKSHOP_NAME='.length);
  if (explicit) return explicit;
  const part = hostname.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 6);
  return `api-${part || 'local'}`;
}

/** Join containers (hostname, env from inspect) with Consul registrations via Meta.host = container hostname. */
export function buildTargets(
  containers: Array<{ container: LabContainer; hostname: string; env: string[] }>,
  registrations: ServiceInstance[],
): WorkshopTarget[] {
  return containers
    .map(({ container, hostname, env }) => {
      const registration = registrations.find((r) => r.meta.host === hostname);
      const name = registration?.meta.name || derivedInstanceName(hostname, env);
      return { container, hostname, name, serviceId: registration?.id ?? `workshop-${name}`, registration };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Every spelling a student might copy: page name, Consul ID, container name, Compose's short name, id prefix. */
export function targetAliases(t: WorkshopTarget): string[] {
  const c = t.container;
  const project = c.labels['com.docker.compose.project'];
  const short = project && c.name.startsWith(`${project}-`) ? c.name.slice(project.length + 1) : undefined;
  return [t.name, t.serviceId, c.name, short, t.hostname, c.shortId].filter((x): x is string => !!x);
}

/** Find the target `arg` names; unknown names are bad input (exit 2) and the message lists the valid ones. */
export function resolveTarget(targets: WorkshopTarget[], arg: string): WorkshopTarget {
  const want = arg.trim();
  const exact = targets.filter((t) => targetAliases(t).some((a) => a === want));
  if (exact.length === 1) return exact[0]!;
  // A container id prefix, as `docker stop 3f2a` accepts.
  const byId = /^[0-9a-f]{4,64}$/.test(want) ? targets.filter((t) => t.container.id.startsWith(want)) : [];
  if (exact.length === 0 && byId.length === 1) return byId[0]!;
  const known = targets.map((t) => `${t.name} (${t.container.name})`).join(', ') || 'none';
  if (exact.length > 1 || byId.length > 1) throw new UsageError(`"${want}" matches more than one workshop-api instance; use one of: ${known}`);
  throw new UsageError(`no workshop-api instance named "${want}"; instances: ${known}`);
}

/** Inspect the lab's workshop-api containers and match them with Consul's registrations. */
export async function loadWorkshopTargets(docker: Docker, containers: LabContainer[], registrations: ServiceInstance[]): Promise<WorkshopTarget[]> {
  const mine = containers.filter((c) => c.service === WORKSHOP_SERVICE);
  const inspected = await Promise.all(
    mine.map(async (container) => {
      const info = await docker.getContainer(container.id).inspect();
      return { container, hostname: info.Config.Hostname, env: info.Config.Env ?? [] };
    }),
  );
  return buildTargets(inspected, registrations);
}

/** Without a name: the first (by name) instance that is running and passing, so repeated runs take the next one. */
export function pickDefault(targets: WorkshopTarget[]): WorkshopTarget | undefined {
  const running = targets.filter((t) => t.container.state === 'running');
  return running.find((t) => t.registration?.status === 'passing') ?? running[0];
}
