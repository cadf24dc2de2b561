// What `lab:up --classroom` hands Compose for classroom/instructor.compose.yml: the Consul config each kind of
// agent gets through CONSUL_LOCAL_CONFIG, and the other values the overlay interpolates. Passed in the compose
// process's environment only (never argv, never a file in the repo).
import { type JoinInfo } from './joinInfo';
import type { ClassroomSecrets } from './secrets';

/** The overlay file, relative to the repo root. */
export const INSTRUCTOR_COMPOSE_FILE = 'classroom/instructor.compose.yml';

/** Extra config for the servers: gossip encryption, ACLs (deny by default, bootstrapped from the management token). */
export function serverLocalConfig(secrets: ClassroomSecrets, servers: string[]): Record<string, unknown> {
  return {
    encrypt: secrets.gossipKey,
    // Appended to consul/*.hcl's container names (whose port 8301 only server-1 answers on): the LAN addresses,
    // so any one server up is enough to join.
    retry_join: servers,
    acl: {
      enabled: true,
      default_policy: 'deny',
      enable_token_persistence: true,
      tokens: { initial_management: secrets.managementToken, agent: secrets.managementToken },
    },
  };
}

/**
 * The instructor's own host agents: the same, and NO default token. A caller without a token is the anonymous
 * token (lab-anonymous-read: nodes and services, read only), whoever it is: Nginx in host-a's namespace proxies
 * /api/ to every passing workshop instance, and a student can register its own at 127.0.0.1:8500, so the room
 * reaches these agents' loopback API through the page. What writes (the workshop APIs, the demo server, the
 * enrollment service) sends the management token itself (CONSUL_HTTP_TOKEN in the overlay); `agent` = management
 * is the agent's own (node registration, anti-entropy), never a caller's.
 */
export function hostAgentLocalConfig(secrets: ClassroomSecrets, servers: string[]): Record<string, unknown> {
  return serverLocalConfig(secrets, servers);
}

/** The environment Compose needs for the overlay. */
export function instructorComposeEnv(lan: string, secrets: ClassroomSecrets, join: JoinInfo): Record<string, string> {
  return {
    LAB_LAN_ADDRESS: lan,
    LAB_CLASSROOM_SERVER_CONFIG: JSON.stringify(serverLocalConfig(secrets, join.servers)),
    LAB_CLASSROOM_AGENT_CONFIG: JSON.stringify(hostAgentLocalConfig(secrets, join.servers)),
    LAB_CLASSROOM_MANAGEMENT_TOKEN: secrets.managementToken,
    LAB_CLASSROOM_JOIN_INFO: JSON.stringify(join),
  };
}

/** The one command a student runs, as the instructor projects or writes it (it holds the join code, on purpose). */
export function studentJoinCommand(lan: string, joinCode: string): string {
  return `npm run lab:join -- ${lan} --code ${joinCode} --name <your-github-account>`;
}
