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

export const CONSUL_AGENT_SERVICE = 'consul-agent';
export const NGINX_SERVICE = 'nginx';
export const DEMO_SERVER_SERVICE = 'demo-server';
export const DEMO_CLIENT_SERVICE = 'demo-client';
export const WORKSHOP_API_SERVICE = 'workshop-api';

/** The lab's services, in the order students meet them (and the order tables list them). */
export const LAB_SERVICES = [
  'consul-server-1',
  'consul-server-2',
  'consul-server-3',
  CONSUL_AGENT_SERVICE,
  NGINX_SERVICE,
  DEMO_SERVER_SERVICE,
  DEMO_CLIENT_SERVICE,
  WORKSHOP_API_SERVICE,
] as const;
