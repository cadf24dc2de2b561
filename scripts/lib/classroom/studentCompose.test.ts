import type { JoinInfo } from './joinInfo';
import { CLASSROOM_CA_PEM } from './testdata/testCas';
import { agentLocalConfig, leaveComposeEnv, studentComposeEnv } from './studentCompose';
import type { StudentState } from './studentState';

const joinInfo: JoinInfo = {
  version: 2,
  datacenter: 'dc1',
  instructor: '192.168.1.20',
  servers: ['192.168.1.20:8301', '192.168.1.20:8311'],
  gossipKey: 'k'.repeat(43) + '=',
  joinCode: 'kite-maple-7421',
  ca: CLASSROOM_CA_PEM,
  enrollUrl: 'https://192.168.1.20:8099',
  consulUi: 'http://192.168.1.20:8500/ui/',
  page: 'http://192.168.1.20:8080/',
};
const state: StudentState = {
  version: 2,
  name: 'alice',
  nodeName: 'student-alice',
  serviceId: 'workshop-alice',
  token: 'tok-0123456789',
  accessorId: 'acc',
  joinInfo,
  address: '192.168.1.31',
};
const settings = { project: 'lab-student', serfPort: 8301, apiPort: 8081, httpPort: 8500 };

test('the agent config: servers, key and the student token as agent and default token, default deny', () => {
  expect(JSON.parse(agentLocalConfig(joinInfo, 'tok-0123456789'))).toEqual({
    datacenter: 'dc1',
    retry_join: ['192.168.1.20:8301', '192.168.1.20:8311'],
    encrypt: joinInfo.gossipKey,
    acl: { enabled: true, default_policy: 'deny', tokens: { agent: 'tok-0123456789', default: 'tok-0123456789' } },
    // TLS on RPC as the instructor's client agents: a certificate by auto_encrypt, the servers verified against the CA.
    auto_encrypt: { tls: true },
    tls: { defaults: { ca_file: '/consul/tls/ca.pem', verify_outgoing: true }, internal_rpc: { verify_server_hostname: true } },
  });
});

test('compose env: the knobs, secrets only in the pass-through variables', () => {
  const env = studentComposeEnv({
    state,
    settings,
    githubApi: 'https://api.github.com',
    githubToken: 'ghp_x',
    serviceName: 'workshop-alice',
  });
  expect(env).toMatchObject({
    LAB_STUDENT_NAME: 'alice',
    LAB_STUDENT_ADDRESS: '192.168.1.31',
    LAB_STUDENT_SERF_PORT: '8301',
    LAB_STUDENT_API_PORT: '8081',
    LAB_STUDENT_HTTP_PORT: '8500',
    LAB_STUDENT_SERVICE: 'workshop-alice',
    LAB_GITHUB_API: 'https://api.github.com',
    CONSUL_HTTP_TOKEN: 'tok-0123456789',
    WORKSHOP_TOKEN: 'ghp_x',
    LAB_TLS_CA_PEM: CLASSROOM_CA_PEM,
  });
  const secretKeys = new Set(['CONSUL_LOCAL_CONFIG', 'CONSUL_HTTP_TOKEN', 'WORKSHOP_TOKEN']);
  for (const [k, v] of Object.entries(env)) {
    if (secretKeys.has(k)) continue;
    expect(v).not.toContain('tok-0123456789');
    expect(v).not.toContain(joinInfo.gossipKey);
    expect(v).not.toContain('ghp_x');
  }
});

test('no GitHub token: WORKSHOP_TOKEN is empty, so one in the shell is not passed on', () => {
  expect(studentComposeEnv({ state, settings, githubApi: 'https://api.github.com', serviceName: 'workshop' }).WORKSHOP_TOKEN).toBe('');
});

test('leave env: parses the file without any secret, with or without saved state', () => {
  const env = leaveComposeEnv(state, settings);
  expect(env).toMatchObject({
    LAB_STUDENT_NAME: 'alice',
    LAB_STUDENT_ADDRESS: '192.168.1.31',
    LAB_STUDENT_SERVICE: 'workshop-alice',
    CONSUL_LOCAL_CONFIG: '',
    CONSUL_HTTP_TOKEN: '',
  });
  expect(leaveComposeEnv(undefined, settings)).toMatchObject({ LAB_STUDENT_NAME: 'unknown', LAB_STUDENT_ADDRESS: '127.0.0.1' });
});
