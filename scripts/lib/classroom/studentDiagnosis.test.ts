import { diagnoseAgentLog, diagnoseApiLog, type DiagnosisContext } from './studentDiagnosis';

const ctx: DiagnosisContext = {
  instructor: '192.168.1.20',
  address: '192.168.1.31',
  serfPort: 8301,
  apiPort: 8081,
  portsHint: 'TCP 8099 (enrollment), TCP 8300 (Consul RPC) and TCP+UDP 8301 (Consul gossip) to 192.168.1.20',
};

// Lines as Consul 1.20 writes them (seen on this lab's student agents).
const WRONG_KEY = `2026-11-23T02:45:52.405Z [WARN]  agent: (LAN) couldn't join: number_of_nodes=0
  error=
  | 1 error occurred:
  | \\t* Failed to join 10.213.72.1:8301: No installed keys could decrypt the message`;
const BAD_TOKEN = '2026-11-23T02:50:01.000Z [ERROR] agent.anti_entropy: failed to sync remote state: error="ACL not found"';
const UNREACHABLE = `2026-11-23T02:50:01.000Z [WARN]  agent: (LAN) couldn't join: number_of_nodes=0 error="1 error occurred:\\n\\t* Failed to join 192.168.1.20:8301: dial tcp 192.168.1.20:8301: i/o timeout"`;
const RPC =
  '2026-11-23T02:50:01.000Z [ERROR] agent.client: RPC failed to server: method=Catalog.Register server=192.168.1.20:8300 error="rpc error getting client: failed to get conn: dial tcp 192.168.1.20:8300: i/o timeout"';
const UDP =
  '2026-11-23T03:04:10.780Z [WARN]  agent.client.memberlist.lan: memberlist: Was able to connect to instructor over TCP but UDP probes failed, network may be misconfigured';
const NO_WAY_BACK =
  '2026-11-23T02:50:01.000Z [WARN]  agent.client.memberlist.lan: memberlist: Refuting a suspect message (from: consul-server-1)';

test.each([
  [WRONG_KEY, 'gossip-key', /rejected this machine's gossip key/],
  [BAD_TOKEN, 'token', /rejected this machine's Consul token.*lab:leave -- --forget/],
  [UNREACHABLE, 'unreachable', /cannot reach the instructor's Consul servers: your network must let through TCP 8099/],
  [RPC, 'rpc', /TCP 8300 on 192\.168\.1\.20: i\/o timeout/],
  [UDP, 'udp', /allow incoming UDP 8301 on this machine.*flaps/],
  [NO_WAY_BACK, 'no-way-back', /allow incoming TCP\+UDP 8301 and TCP 8081/],
  ['[ERROR] agent: Coordinate update error: error="No cluster leader"', 'no-leader', /no leader/],
])('%#: %s', (log, cause, line) => {
  const d = diagnoseAgentLog(`==> Consul agent running!\n${log}\n`, ctx);
  expect(d?.cause).toBe(cause);
  expect(d?.line).toMatch(line);
  expect(d?.line).not.toMatch(/\n/);
});

test('a healthy start says nothing', () => {
  expect(
    diagnoseAgentLog(
      '[WARN]  agent.router.manager: No servers available\n[ERROR] agent.anti_entropy: failed to sync remote state: error="No known Consul servers"\n[INFO]  agent: (LAN) joined: number_of_nodes=1',
      ctx,
    ),
  ).toBeUndefined();
});

test('the gossip key wins over what follows from it', () => {
  expect(diagnoseAgentLog(`${WRONG_KEY}\n${UNREACHABLE}`, ctx)?.cause).toBe('gossip-key');
});

test("workshop-api's log: only a rejected token counts", () => {
  expect(diagnoseApiLog('ERROR workshop-api registration failed: Unexpected response code: 403 (Permission denied)', ctx)?.cause).toBe(
    'token',
  );
  expect(diagnoseApiLog(UNREACHABLE, ctx)).toBeUndefined();
});
