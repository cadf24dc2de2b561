// What `lab:up --classroom` hands Compose for classroom/instructor.compose.yml: the Consul config each agent gets
// through CONSUL_LOCAL_CONFIG, the TLS material classroom/consul-tls.sh writes to files, the tokens of the services
// that write, and the room's address rules for Nginx. Passed in the compose process's environment only (never argv,
// never a file in the repo).
import type { ClassroomSecrets } from './secrets';
import type { JoinInfo } from './joinInfo';
import type { ClassroomTls } from './tls';
import type { InstructorAgentNode } from './classroomTokens';

/** The overlay file, relative to the repo root. */
export const INSTRUCTOR_COMPOSE_FILE = 'classroom/instructor.compose.yml';

/** Where classroom/consul-tls.sh writes the PEMs inside every Consul container. */
export const TLS_IN_CONTAINER = { ca: '/consul/tls/ca.pem', cert: '/consul/tls/cert.pem', key: '/consul/tls/key.pem' } as const;

/** The ACL block of every instructor agent: deny by default, its own agent token, NO default token. */
function aclBlock(agentToken: string, initialManagement?: string): Record<string, unknown> {
  return {
    enabled: true,
    default_policy: 'deny',
    enable_token_persistence: true,
    tokens: { ...(initialManagement ? { initial_management: initialManagement } : {}), agent: agentToken },
  };
}

/**
 * A server's extra config: gossip encryption; ACLs bootstrapped from the management token (initial_management: no
 * bootstrap call a student could race; the servers hold every token in raft anyway), its agent token a node identity
 * for its own node; TLS on internal RPC with its certificate from the classroom CA: verify_incoming (a plain
 * connection to the RPC port is closed at once) and verify_server_hostname (only a server.dc1.consul certificate of
 * THIS CA holds raft: a laptop that joins with the gossip key as a "server" is added as a non-voter that never gets
 * a byte of raft data); auto_encrypt.allow_tls hands clients their certificates (signed by Connect's CA, which needs
 * Connect on).
 */
export function serverLocalConfig(index: 1 | 2 | 3, secrets: ClassroomSecrets, servers: string[]): Record<string, unknown> {
  return {
    encrypt: secrets.gossipKey,
    // Appended to consul/*.hcl's container names (whose port 8301 only server-1 answers on): the LAN addresses,
    // so any one server up is enough to join.
    retry_join: servers,
    acl: aclBlock(secrets.tokens[`agent-consul-server-${index}`].secretId, secrets.managementToken),
    connect: { enabled: true },
    auto_encrypt: { allow_tls: true },
    tls: {
      defaults: { ca_file: TLS_IN_CONTAINER.ca, cert_file: TLS_IN_CONTAINER.cert, key_file: TLS_IN_CONTAINER.key, verify_outgoing: true },
      internal_rpc: { verify_incoming: true, verify_server_hostname: true },
    },
  };
}

/** The TLS settings of every client agent, the instructor's and the students': a certificate by auto_encrypt, servers verified against the CA. */
export function clientTlsConfig(): Record<string, unknown> {
  return {
    auto_encrypt: { tls: true },
    tls: { defaults: { ca_file: TLS_IN_CONTAINER.ca, verify_outgoing: true }, internal_rpc: { verify_server_hostname: true } },
  };
}

/**
 * One of the instructor's host agents (host-a, host-b): the same gossip key and ACLs, its own agent token (node
 * identity), and NO default token: a caller without a token is anonymous (lab-anonymous-read), whoever it is, since
 * Nginx in host-a's namespace proxies the room's requests to instances. What writes sends its own token.
 */
export function hostAgentLocalConfig(
  node: Extract<InstructorAgentNode, 'host-a' | 'host-b'>,
  secrets: ClassroomSecrets,
  servers: string[],
) {
  return {
    encrypt: secrets.gossipKey,
    retry_join: servers,
    acl: aclBlock(secrets.tokens[`agent-${node}`].secretId),
    ...clientTlsConfig(),
  };
}

/** The room's address rules for Nginx's templates (scripts/lib/classroom/roomSubnet.ts roomAddressPatterns). */
export interface RoomAddressRules {
  allowed: string;
  excluded: string;
}

/** The environment Compose needs for the overlay. */
export function instructorComposeEnv(
  lan: string,
  secrets: ClassroomSecrets,
  join: JoinInfo,
  tls: ClassroomTls,
  room: RoomAddressRules,
): Record<string, string> {
  const json = (v: unknown): string => JSON.stringify(v);
  const env: Record<string, string> = {
    LAB_LAN_ADDRESS: lan,
    LAB_CLASSROOM_TLS_CA: tls.caPem,
    LAB_CLASSROOM_HOST_A_CONFIG: json(hostAgentLocalConfig('host-a', secrets, join.servers)),
    LAB_CLASSROOM_HOST_B_CONFIG: json(hostAgentLocalConfig('host-b', secrets, join.servers)),
    LAB_CLASSROOM_WORKSHOP_A_TOKEN: secrets.tokens['workshop-host-a'].secretId,
    LAB_CLASSROOM_WORKSHOP_B_TOKEN: secrets.tokens['workshop-host-b'].secretId,
    LAB_CLASSROOM_DEMO_TOKEN: secrets.tokens['consul-demo'].secretId,
    LAB_CLASSROOM_ENROLL_TOKEN: secrets.tokens.enrollment.secretId,
    LAB_CLASSROOM_ENROLL_JWT_KEY: secrets.enrollmentJwtKey,
    // The enrollment service serves its certificate with the CA behind it: lab:join pins the CA it finds there.
    LAB_CLASSROOM_ENROLL_CERT: tls.enrollment.certPem + tls.caPem,
    LAB_CLASSROOM_ENROLL_KEY: tls.enrollment.keyPem,
    LAB_CLASSROOM_JOIN_INFO: json(join),
    LAB_ROOM_ADDRESSES: room.allowed,
    LAB_ROOM_EXCLUDED: room.excluded,
  };
  for (const i of [1, 2, 3] as const) {
    env[`LAB_CLASSROOM_SERVER_${i}_CONFIG`] = json(serverLocalConfig(i, secrets, join.servers));
    env[`LAB_CLASSROOM_SERVER_${i}_CERT`] = tls.servers[i - 1]!.certPem;
    env[`LAB_CLASSROOM_SERVER_${i}_KEY`] = tls.servers[i - 1]!.keyPem;
  }
  return env;
}

/** The one command a student runs, as the instructor projects or writes it (the join code on purpose; the pin of the CA). */
export function studentJoinCommand(lan: string, joinCode: string, pin: string): string {
  return `npm run lab:join -- ${lan} --code ${joinCode} --pin ${pin} --name <your-github-account>`;
}

/** The address, code and pin of the projected command, found in `text` (lab:up's output); undefined when absent. */
export function parseStudentJoinCommand(text: string): { lan: string; joinCode: string; pin: string } | undefined {
  const m = /npm run lab:join -- (\d{1,3}(?:\.\d{1,3}){3}) --code ([a-z0-9-]{6,64}) --pin ([0-9a-f]{16}) --name /.exec(text);
  return m ? { lan: m[1]!, joinCode: m[2]!, pin: m[3]! } : undefined;
}
