/**
 * The names the scripts know the lab's containers by: docker-compose.yml's service names and the labels
 * Compose puts on every container it starts. Written down once here; everything else imports them.
 */

export const PROJECT_LABEL = 'com.docker.compose.project';
export const SERVICE_LABEL = 'com.docker.compose.service';
export const NUMBER_LABEL = 'com.docker.compose.container-number';
/** How Compose started a project: read back so later Compose calls use the same files (see composeContextFromLabels). */
export const WORKING_DIR_LABEL = 'com.docker.compose.project.working_dir';
export const CONFIG_FILES_LABEL = 'com.docker.compose.project.config_files';
export const ENV_FILES_LABEL = 'com.docker.compose.project.environment_file';

/** A simulated host: the container owning its network namespace, and its Consul client agent (node = name). */
export interface LabHost {
  /** Consul node name, and the Compose service that owns the host's network namespace. */
  name: string;
  agentService: string;
  /** Last octet of its fixed IP on the lab network (docker-compose.yml: <LAB_SUBNET_PREFIX>.<ipSuffix>). */
  ipSuffix: number;
}

export const LAB_HOSTS: readonly LabHost[] = [
  { name: 'host-a', agentService: 'host-a-agent', ipSuffix: 21 },
  { name: 'host-b', agentService: 'host-b-agent', ipSuffix: 22 },
];
/** host-a is "the instructor's laptop": it publishes the UI, DNS and the Nginx page on 127.0.0.1. */
export const INSTRUCTOR_HOST = LAB_HOSTS[0]!;

/** The agent the scripts (and a student's browser) talk to: host-a's, through the ports host-a publishes. */
export const CONSUL_AGENT_SERVICE = INSTRUCTOR_HOST.agentService;
/** The container that publishes the lab's ports (a namespace's ports are published by its owner). */
export const PUBLISHING_SERVICE = INSTRUCTOR_HOST.name;
export const NGINX_SERVICE = 'nginx';
export const DEMO_SERVER_SERVICE = 'demo-server';
export const DEMO_CLIENT_SERVICE = 'demo-client';
/** workshop-api-a1, -a2 on host-a, -b1, -b2 on host-b: one Compose service per "student" (each its own port). */
export const WORKSHOP_API_SERVICE_PREFIX = 'workshop-api-';

export function isWorkshopApiService(service: string): boolean {
  return service.startsWith(WORKSHOP_API_SERVICE_PREFIX);
}

export function findHost(name: string): LabHost | undefined {
  return LAB_HOSTS.find((h) => h.name === name);
}

/** The lab's services, in the order students meet them (and the order tables list them); workshop-api-* sort last. */
export const LAB_SERVICES = [
  'consul-server-1',
  'consul-server-2',
  'consul-server-3',
  ...LAB_HOSTS.flatMap((h) => [h.name, h.agentService]),
  NGINX_SERVICE,
  DEMO_SERVER_SERVICE,
  DEMO_CLIENT_SERVICE,
] as const;
