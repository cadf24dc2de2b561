import type Docker from 'dockerode';
import { UsageError } from '../../../services/shared/errors';
import type { ServiceInstance } from '../consul/labConsul';
import { WORKSHOP_META, defaultNameFromHostname, workshopServiceId } from '../../../services/workshop-api/names';
import { LabContainer, LabNotUpError } from '../docker/labContainers';
import { isWorkshopApiService } from '../docker/labServices';
import { shortName } from '../docker/readiness';

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
 * The name a workshop-api container gives itself: its WORKSHOP_NAME, else the service's own rule from its
 * hostname (= the short container id). Only used for containers that are not registered right now (e.g.
 * stopped), where Consul can't tell us; a registered one is named by its Meta.
 */
export function derivedInstanceName(hostname: string, env: string[] = []): string {
  const explicit = env.find((e) => e.startsWith('WORKSHOP_NAME='))?.slice('WORKSHOP_NAME='.length);
  return explicit || defaultNameFromHostname(hostname);
}

/**
 * Join containers (hostname, env from inspect) with Consul registrations. A container with WORKSHOP_NAME (the
 * lab's: instances that share a host share its hostname) by its service ID; one without, by Meta.host = its
 * hostname (= its own short container id).
 */
export function buildTargets(
  containers: Array<{ container: LabContainer; hostname: string; env: string[] }>,
  registrations: ServiceInstance[],
): WorkshopTarget[] {
  return containers
    .map(({ container, hostname, env }) => {
      const derived = derivedInstanceName(hostname, env);
      const explicit = env.some((e) => e.startsWith('WORKSHOP_NAME=') && e.length > 'WORKSHOP_NAME='.length);
      const registration = explicit
        ? registrations.find((r) => r.id === workshopServiceId(derived))
        : registrations.find((r) => r.meta[WORKSHOP_META.host] === hostname);
      const name = registration?.meta[WORKSHOP_META.name] || derived;
      return { container, hostname, name, serviceId: registration?.id ?? workshopServiceId(name), registration };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Every spelling a student might copy: page name, Consul ID, container name, Compose's short name, id prefix. */
export function targetAliases(t: WorkshopTarget): string[] {
  const c = t.container;
  return [t.name, t.serviceId, c.name, shortName(c), t.hostname, c.shortId].filter(Boolean);
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
  if (exact.length > 1 || byId.length > 1)
    throw new UsageError(`"${want}" matches more than one workshop-api instance; use one of: ${known}`);
  throw new UsageError(`no workshop-api instance named "${want}"; instances: ${known}`);
}

/** Inspect the lab's workshop-api containers and match them with Consul's registrations. */
export async function loadWorkshopTargets(
  docker: Docker,
  containers: LabContainer[],
  registrations: ServiceInstance[],
): Promise<WorkshopTarget[]> {
  const mine = containers.filter((c) => isWorkshopApiService(c.service));
  const inspected = await Promise.all(
    mine.map(async (container) => {
      const info = await docker.getContainer(container.id).inspect();
      return { container, hostname: info.Config.Hostname, env: info.Config.Env ?? [] };
    }),
  );
  return buildTargets(inspected, registrations);
}

/** A lab without workshop-api containers has nothing to stop or start: say how to get some (exit 1). */
export function requireTargets(targets: WorkshopTarget[], project: string): void {
  if (targets.length === 0) throw new LabNotUpError(`lab "${project}" has no workshop-api containers: start it with \`npm run lab:up\``);
}

/** Without a name: the first (by name) instance that is running and passing, so repeated runs take the next one. */
export function pickDefault(targets: WorkshopTarget[]): WorkshopTarget | undefined {
  const running = targets.filter((t) => t.container.state === 'running');
  return running.find((t) => t.registration?.status === 'passing') ?? running[0];
}
