// What lab:join and lab:leave hand to `docker compose -f classroom/student.compose.yml`: the environment that
// fills in the compose file, including the secret parts (CONSUL_LOCAL_CONFIG, CONSUL_HTTP_TOKEN, WORKSHOP_TOKEN),
// which travel in Compose's process environment only, never on a command line.
import { studentServiceName } from '../../../services/shared/names';
import { clientTlsConfig } from './instructorEnv';
import type { JoinInfo } from './joinInfo';
import type { StudentSettings } from './studentAddress';
import type { StudentState } from './studentState';

/** Relative to the repo root. */
export const STUDENT_COMPOSE_FILE = 'classroom/student.compose.yml';

/**
 * The agent's per-student config, as JSON for CONSUL_LOCAL_CONFIG (the image entrypoint writes it to the config
 * dir, beside classroom/student-agent.hcl): the class's datacenter and servers, the gossip key, and ACLs with the
 * student's own token as the agent's token (its node registration, anti-entropy) and default token (what
 * `consul` in the healthcheck and anything else on this host uses without a token of its own); TLS on RPC as the
 * instructor's own client agents have it: a certificate by auto_encrypt, the servers verified against the classroom
 * CA (LAB_TLS_CA_PEM, written to a file by classroom/consul-tls.sh) as server.dc1.consul.
 */
export function agentLocalConfig(joinInfo: JoinInfo, token: string): string {
  return JSON.stringify({
    datacenter: joinInfo.datacenter,
    retry_join: joinInfo.servers,
    encrypt: joinInfo.gossipKey,
    acl: { enabled: true, default_policy: 'deny', tokens: { agent: token, default: token } },
    ...clientTlsConfig(),
  });
}

export interface StudentComposeInput {
  state: StudentState;
  settings: StudentSettings;
  githubApi: string;
  githubToken?: string;
  /** The Consul service name workshop-api registers under: its own ID `workshop-<name>`. */
  serviceName: string;
  /** Where workshop-api attaches its check (lab:join --check-scope; default service). */
  checkScope?: 'service' | 'node';
}

/** The environment of `docker compose up` for this student (the knobs the compose file's header lists). */
export function studentComposeEnv(input: StudentComposeInput): Record<string, string> {
  const { state, settings } = input;
  return {
    ...publicEnv(state.name, state.address ?? '', settings),
    LAB_GITHUB_API: input.githubApi,
    LAB_STUDENT_SERVICE: input.serviceName,
    LAB_STUDENT_CHECK_SCOPE: input.checkScope ?? 'service',
    CONSUL_LOCAL_CONFIG: agentLocalConfig(state.joinInfo, state.token),
    LAB_TLS_CA_PEM: state.joinInfo.ca,
    CONSUL_HTTP_TOKEN: state.token,
    // Empty = no token (workshop-api treats an empty WORKSHOP_TOKEN as unset): a token in the shell is not passed on.
    WORKSHOP_TOKEN: input.githubToken ?? '',
  };
}

/**
 * The environment of `docker compose down`: only what the file needs to parse (the required variables). With no
 * saved state (removed by hand), placeholders do: `down` identifies everything by the project name.
 */
export function leaveComposeEnv(state: StudentState | undefined, settings: StudentSettings): Record<string, string> {
  return {
    ...publicEnv(state?.name ?? 'unknown', state?.address || '127.0.0.1', settings),
    LAB_STUDENT_SERVICE: studentServiceName(state?.name ?? 'unknown'),
    CONSUL_LOCAL_CONFIG: '',
    LAB_TLS_CA_PEM: '',
    CONSUL_HTTP_TOKEN: '',
    WORKSHOP_TOKEN: '',
  };
}

function publicEnv(name: string, address: string, settings: StudentSettings): Record<string, string> {
  return {
    LAB_STUDENT_NAME: name,
    LAB_STUDENT_ADDRESS: address,
    LAB_STUDENT_SERF_PORT: String(settings.serfPort),
    LAB_STUDENT_API_PORT: String(settings.apiPort),
    LAB_STUDENT_HTTP_PORT: String(settings.httpPort),
  };
}
