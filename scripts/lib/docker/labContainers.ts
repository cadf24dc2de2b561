import type Docker from 'dockerode';
import { UsageError } from '../../../services/shared/errors';
import { CONSUL_AGENT_SERVICE, LAB_SERVICES, NUMBER_LABEL, PROJECT_LABEL, SERVICE_LABEL } from './labServices';

/** The Compose project the lab runs as unless -p / COMPOSE_PROJECT_NAME says otherwise. */
export const DEFAULT_PROJECT = 'consul-lab';

/** The lab is not running (or not under that project name): one line saying what to do. */
export class LabNotUpError extends Error {
  override name = 'LabNotUpError';
}

export type Health = 'healthy' | 'unhealthy' | 'starting' | 'none';

export interface LabContainer {
  id: string;
  shortId: string;
  /** Container name without Docker's leading slash, e.g. consul-lab-workshop-api-2. */
  name: string;
  service: string;
  /** Compose's replica number (1, 2, ...). */
  number: number;
  /** Docker state: running, exited, created, restarting, paused, dead. */
  state: string;
  health: Health;
  ports: Docker.Port[];
  labels: Record<string, string>;
}

/** -p flag, then COMPOSE_PROJECT_NAME (as Compose itself reads it), then the lab's default. */
export function resolveProjectName(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const name = flag ?? (env.COMPOSE_PROJECT_NAME || DEFAULT_PROJECT);
  // Compose's own rule for project names.
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) {
    const from = flag !== undefined ? '--project' : 'COMPOSE_PROJECT_NAME';
    throw new UsageError(`${from}: "${name}" is not a Compose project name (lowercase letters, digits, "-" and "_")`);
  }
  return name;
}

/** Docker's Status text carries the health: "Up 3 minutes (healthy)", "Up 2 seconds (health: starting)". */
export function parseHealth(status: string): Health {
  if (/\(healthy\)/.test(status)) return 'healthy';
  if (/\(unhealthy\)/.test(status)) return 'unhealthy';
  if (/\(health: starting\)/.test(status)) return 'starting';
  return 'none';
}

export function toLabContainer(info: Docker.ContainerInfo): LabContainer {
  const labels = info.Labels ?? {};
  return {
    id: info.Id,
    shortId: info.Id.slice(0, 12),
    name: (info.Names?.[0] ?? info.Id.slice(0, 12)).replace(/^\//, ''),
    service: labels[SERVICE_LABEL] ?? '',
    number: Number(labels[NUMBER_LABEL] ?? 0),
    state: info.State,
    health: info.State === 'running' ? parseHealth(info.Status ?? '') : 'none',
    ports: info.Ports ?? [],
    labels,
  };
}

/** Lab containers sorted by service (lab order), then replica number. */
export function sortContainers(containers: LabContainer[]): LabContainer[] {
  const rank = (s: string): number => {
    const i = (LAB_SERVICES as readonly string[]).indexOf(s);
    return i === -1 ? LAB_SERVICES.length : i;
  };
  return [...containers].sort((a, b) => rank(a.service) - rank(b.service) || a.service.localeCompare(b.service) || a.number - b.number);
}

/** All containers (running or not) of the Compose project, found by Compose's labels. */
export async function listLabContainers(docker: Docker, project: string): Promise<LabContainer[]> {
  const infos = await docker.listContainers({ all: true, filters: { label: [`${PROJECT_LABEL}=${project}`] } });
  return sortContainers(infos.map(toLabContainer));
}

/** Projects on this engine that look like a copy of this lab (they have host-a's agent service). */
export async function otherLabProjects(docker: Docker, project: string): Promise<string[]> {
  const infos = await docker.listContainers({ all: true, filters: { label: [`${SERVICE_LABEL}=${CONSUL_AGENT_SERVICE}`] } });
  const names = new Set(infos.map((i) => i.Labels?.[PROJECT_LABEL]).filter((p): p is string => !!p && p !== project));
  return [...names].sort();
}

export function labNotUpMessage(project: string, others: string[], what = 'has no containers'): string {
  const hint = others.length
    ? `; a lab runs as project ${others.map((o) => `"${o}"`).join(', ')}: pass -p ${others[0]} or set COMPOSE_PROJECT_NAME`
    : '';
  return `lab "${project}" ${what}: start it with \`npm run lab:up\`${hint}`;
}

/**
 * The running lab's containers; throws LabNotUpError (with a hint about other lab projects)
 * when the project has none, or when its Consul agent is not running.
 */
export async function requireLab(docker: Docker, project: string): Promise<LabContainer[]> {
  const containers = await listLabContainers(docker, project);
  const agent = containers.find((c) => c.service === CONSUL_AGENT_SERVICE);
  if (containers.length === 0) throw new LabNotUpError(labNotUpMessage(project, await otherLabProjects(docker, project)));
  if (!agent || agent.state !== 'running') {
    throw new LabNotUpError(labNotUpMessage(project, [], `is not running (its ${CONSUL_AGENT_SERVICE} is down)`));
  }
  return containers;
}

/** The running container of `service` (the first, for a scaled one), if any. */
export function findRunning(containers: LabContainer[], service: string): LabContainer | undefined {
  return containers.find((c) => c.service === service && c.state === 'running');
}

/** The running containers' IPs on their networks → the container, to name the instances Consul or a client reports by address. */
export async function containerIps(docker: Docker, containers: LabContainer[]): Promise<Map<string, LabContainer>> {
  const map = new Map<string, LabContainer>();
  await Promise.all(
    containers
      .filter((c) => c.state === 'running')
      .map(async (c) => {
        const info = await docker.getContainer(c.id).inspect();
        for (const net of Object.values(info.NetworkSettings.Networks ?? {})) if (net.IPAddress) map.set(net.IPAddress, c);
      }),
  );
  return map;
}
