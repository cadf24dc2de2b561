/*
 * The names the lab's parts agree on, in one place: the Consul service names, the IDs and check IDs built from
 * them, the Meta keys a service puts on its registration for others to read, the demo server's restart modes,
 * and the classroom's naming rules (a student's name, node and service). Pure: no imports, no side effects.
 *
 * Each service's names.ts re-exports what is its own from here; the exercise checks, the lab view and the lab
 * scripts import it from here or from that names.ts. Outside TypeScript the same names are written out by hand:
 * the Nginx templates (nginx/templates/: the service `workshop`, `workshop-<name>`, `student-<name>`, Meta `name`)
 * and docker-compose.yml (DEMO_RESTART_MODE's default): change those together with this file.
 */

// --- Service names and IDs -------------------------------------------------------------------------------------

/** The Consul service name every workshop-api instance registers under (and Nginx's upstream is built from). */
export const WORKSHOP_SERVICE_NAME = 'workshop';

/** The Consul service name every consul-demo server registers under and every client looks up. */
export const CONSUL_DEMO_SERVICE_NAME = 'consul-demo';

/** `workshop-<name>`: a workshop-api instance's Consul service ID, and the instance id in responses and URLs. */
export function workshopServiceId(name: string): string {
  return `${WORKSHOP_SERVICE_NAME}-${name}`;
}

/** How a workshop-api node-level check ID ends (`--check-scope node`): `<service ID>-node-check`. */
export const NODE_CHECK_SUFFIX = '-node-check';

/** The ID of a workshop-api instance's node-level check (`--check-scope node`): `<service ID>-node-check`. */
export function workshopNodeCheckId(serviceId: string): string {
  return `${serviceId}${NODE_CHECK_SUFFIX}`;
}

// --- Meta keys: what a service puts on its registration, and others read ---------------------------------------

/**
 * consul-demo's registration Meta: `version` (v1|v2, also its tag; the client, the lab view read it) and
 * `restart_mode` (one of RESTART_MODES; the exercise checks read it to tell a one-server lab without a restart gap).
 */
export const CONSUL_DEMO_META = { version: 'version', restartMode: 'restart_mode' } as const;

/**
 * workshop-api's registration Meta: `name` (the instance's name: the page, lab:status, lab:kill-api) and `host`
 * (the machine's hostname, by which the lab scripts find an instance's container).
 */
export const WORKSHOP_META = { name: 'name', host: 'host' } as const;

// --- The demo server's restart modes ---------------------------------------------------------------------------

/** The old incarnation leaves, then the new one comes: in between there is no instance (the lesson; the default). */
export const BREAK_BEFORE_MAKE = 'break-before-make' as const;
/** The new incarnation listens, registers and is passing before the old one leaves: always one to find. */
export const MAKE_BEFORE_BREAK = 'make-before-break' as const;
/** How a consul-demo server hands over to its next incarnation (`--restart-mode`, DEMO_RESTART_MODE). */
export const RESTART_MODES = [BREAK_BEFORE_MAKE, MAKE_BEFORE_BREAK] as const;
export type RestartMode = (typeof RESTART_MODES)[number];

// --- The classroom's naming rules ------------------------------------------------------------------------------

/** GitHub's login rules: 1-39 characters, letters, digits and single inner hyphens (no leading/trailing/double). */
export const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

/** A student's name is a GitHub login (the page shows their avatar): GITHUB_LOGIN, the one rule. */
export const STUDENT_NAME = GITHUB_LOGIN;

/** The Consul node of a student's agent: `student-<name>`. */
export function studentNodeName(name: string): string {
  return `student-${name}`;
}

/** The student's name in a node name made by studentNodeName, else undefined (`student-` alone is no student). */
export function studentFromNodeName(node: string): string | undefined {
  const prefix = studentNodeName('');
  return node.startsWith(prefix) && node.length > prefix.length ? node.slice(prefix.length) : undefined;
}

/**
 * The Consul service NAME of a student's workshop-api: `workshop-<name>`, its own service (see
 * services/enrollment/names.ts studentTokenIdentities); workshop-api registers it with `--service workshop-<name>`
 * / WORKSHOP_SERVICE. The same text as the instance's service ID (workshopServiceId), on purpose.
 */
export function studentServiceName(name: string): string {
  return workshopServiceId(name);
}

/** The Consul service ID of a student's workshop-api (workshop-api's own rule: `workshop-<name>`), the same as its name. */
export function studentServiceId(name: string): string {
  return workshopServiceId(name);
}

// --- Registration by the platform (services/registrator) -------------------------------------------------------

/**
 * The Meta key every registration may carry to say who made it, and its values. The registrator puts
 * `registered-by=registrator` on each of its registrations (with `container=<12 hex>`), and reconciles only those:
 * a service without it is never touched. The exercise checks and the lab view read the same key to tell a
 * registration by the platform from one in the agent's config files or one made by hand.
 */
export const REGISTERED_BY_META = 'registered-by';
export const REGISTERED_BY = { registrator: 'registrator', agentConfig: 'agent-config', hand: 'hand' } as const;
/** The registrator's Meta key for the container a registration stands for: the first 12 hex of its ID. */
export const REGISTRATOR_CONTAINER_META = 'container';

/**
 * The Docker labels the registrator reads (Compose `labels:` on a workload). `lab.registrator=<host>` opts a
 * container in for that simulated host; `lab.service.meta.<key>` adds Meta `<key>`. services/registrator/README.md
 * says what each takes.
 */
export const REGISTRATOR_LABELS = {
  host: 'lab.registrator',
  name: 'lab.service.name',
  id: 'lab.service.id',
  port: 'lab.service.port',
  checkHttp: 'lab.service.check.http',
  checkTcp: 'lab.service.check.tcp',
  checkInterval: 'lab.service.check.interval',
  checkTimeout: 'lab.service.check.timeout',
  metaPrefix: 'lab.service.meta.',
} as const;

/** The Compose labels by which the registrator finds its project's containers and the host's own container. */
export const COMPOSE_LABELS = { project: 'com.docker.compose.project', service: 'com.docker.compose.service' } as const;

/** The Consul KV key of the last container death the registrator of `host` handled (registratorLastDieSchema). */
export function registratorLastDieKey(host: string): string {
  return `lab/registrator/${host}/last-die`;
}
