// Classroom TLS against a real Consul (the pinned version), with exactly the agent configs lab:up and lab:join hand
// the room's agents (serverLocalConfig, clientTlsConfig) and a classroom CA made by the pinned `consul tls`, on
// loopback. The attacks of issue 18, each of which succeeded before the room had TLS:
//   - a raw connection to the server's RPC port that speaks raft (type byte 0x01) is closed at once;
//   - a rogue `consul agent -server` with the gossip key AND a certificate from the cluster (a Connect leaf that a
//     student's token can fetch) joins the gossip pool: it never becomes a raft voter and never receives raft data
//     (no token's SecretID in its data dir);
//   - an agent given another CA never gets into the catalog;
// and what must keep working: a student's agent with auto_encrypt joins, registers its service, and passes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serverLocalConfig, clientTlsConfig, TLS_IN_CONTAINER } from '../../scripts/lib/classroom/instructorEnv';
import { newSecrets } from '../../scripts/lib/classroom/secrets';
import { consulBinary, prepareAgent, waitForReady, type PreparedAgent } from '../harness/consul';
import type { ManagedProcess } from '../harness/processes';
import { sleep, waitFor } from '../harness/waitFor';

const secrets = newSecrets();
const SERVER_IP = '127.0.0.1';
let tmp: string;
/** PEM files by role: the classroom CA, the server's certificate, another CA. */
let pki: { ca: string; serverCert: string; serverKey: string; otherCa: string };
const running: Array<{ proc: ManagedProcess; dataDir: string }> = [];
let server: PreparedAgent;
let studentToken: string;

/** An agent config with the container paths of TLS_IN_CONTAINER replaced by this test's files. */
function withPaths(cfg: Record<string, unknown>, files: { ca: string; cert?: string; key?: string }): Record<string, unknown> {
  let json = JSON.stringify(cfg).split(TLS_IN_CONTAINER.ca).join(files.ca);
  if (files.cert) json = json.split(TLS_IN_CONTAINER.cert).join(files.cert);
  if (files.key) json = json.split(TLS_IN_CONTAINER.key).join(files.key);
  return JSON.parse(json) as Record<string, unknown>;
}

async function launch(agent: PreparedAgent): Promise<ManagedProcess> {
  const proc = agent.launch();
  running.push({ proc, dataDir: agent.dataDir });
  return proc;
}

const mgmt = (p: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${server.httpUrl}${p}`, {
    ...init,
    headers: { 'X-Consul-Token': secrets.managementToken, ...(init.headers as Record<string, string>) },
    signal: AbortSignal.timeout(5000),
  });

/** Every file under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = path.join(d, e);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (readFileSync(p).includes(needle)) hits.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return hits;
}

/** The test server's RPC port (the harness picked a free one). */
function serverRpcPort(): number {
  return Number(/server = (\d+)/.exec(readFileSync(path.join(server.dataDir, 'agent.hcl'), 'utf8'))![1]);
}

/** A client agent (a student's laptop) with the lab's client TLS settings, trusting `caFile`. */
async function clientAgent(name: string, ip: string, caFile: string, token: string): Promise<PreparedAgent> {
  return prepareAgent({
    name,
    ip,
    server: false,
    retryJoin: [`${SERVER_IP}:${server.serfLanPort}`],
    extraConfig: {
      ...withPaths(clientTlsConfig(), { ca: caFile }),
      // auto_encrypt's first call goes to a retry_join host on the agent's own ports.server (in the room: 8300, the
      // instructor's server-1); here the server's port is a free one.
      ports: { server: serverRpcPort() },
      encrypt: secrets.gossipKey,
      acl: { enabled: true, default_policy: 'deny', tokens: { agent: token, default: token } },
    },
  });
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'classroom-tls-'));
  // The pinned Consul's own commands, as lab:up runs them (scripts/lib/classroom/tls.ts), here in a temp dir.
  const consul = consulBinary();
  const run = (dir: string, args: string[]): void => void execFileSync(consul, args, { cwd: dir, stdio: 'ignore', timeout: 30_000 });
  run(tmp, ['tls', 'ca', 'create', '-days', '2']);
  run(tmp, ['tls', 'cert', 'create', '-server', '-dc', 'dc1', '-days', '2', '-additional-ipaddress', SERVER_IP]);
  const other = path.join(tmp, 'other');
  execFileSync('mkdir', ['-p', other]);
  run(other, ['tls', 'ca', 'create', '-days', '2']);
  pki = {
    ca: path.join(tmp, 'consul-agent-ca.pem'),
    serverCert: path.join(tmp, 'dc1-server-consul-0.pem'),
    serverKey: path.join(tmp, 'dc1-server-consul-0-key.pem'),
    otherCa: path.join(other, 'consul-agent-ca.pem'),
  };

  server = await prepareAgent({
    name: 'classroom-server-1',
    ip: SERVER_IP,
    server: true,
    bootstrapExpect: 1,
    extraConfig: withPaths(serverLocalConfig(1, secrets, []), { ca: pki.ca, cert: pki.serverCert, key: pki.serverKey }),
  });
  await launch(server);
  await waitForReady({ name: server.name, httpUrl: server.httpUrl, process: running[0]!.proc }, { timeoutMs: 60_000 });
  // ACLs answer once the leader has bootstrapped them (initial_management).
  await waitFor(async () => (await mgmt('/v1/acl/tokens')).ok, { timeoutMs: 30_000, intervalMs: 250, what: 'the ACL system' });
  // A student's token, as the enrollment service gets one: its own node and its own service.
  const t = await mgmt('/v1/acl/token', {
    method: 'PUT',
    body: JSON.stringify({
      Description: 'test student alice',
      NodeIdentities: [{ NodeName: 'student-alice', Datacenter: 'dc1' }],
      ServiceIdentities: [{ ServiceName: 'workshop-alice' }],
    }),
  });
  expect(t.status).toBe(200);
  studentToken = ((await t.json()) as { SecretID: string }).SecretID;
}, 120_000);

afterAll(async () => {
  for (const r of running.reverse()) {
    await r.proc.stop('SIGKILL', 5000).catch(() => undefined);
    rmSync(r.dataDir, { recursive: true, force: true });
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 60_000);

test("a student's agent with auto_encrypt joins through TLS, registers its own service and passes", async () => {
  const alice = await clientAgent('student-alice', '127.0.0.2', pki.ca, studentToken);
  await launch(alice);
  await waitFor(
    async () => ((await (await mgmt('/v1/catalog/nodes')).json()) as Array<{ Node: string }>).some((n) => n.Node === 'student-alice'),
    { timeoutMs: 60_000, intervalMs: 500, what: 'student-alice in the catalog' },
  ).catch((e: Error) => {
    throw new Error(`${e.message}; its log:\n${running[1]!.proc.output().slice(-3000)}`);
  });
  const self = (await (
    await fetch(`${alice.httpUrl}/v1/agent/self`, { headers: { 'X-Consul-Token': secrets.managementToken } })
  ).json()) as {
    DebugConfig?: { AutoEncryptTLS?: boolean };
  };
  expect(self.DebugConfig?.AutoEncryptTLS).toBe(true);
  const reg = await fetch(`${alice.httpUrl}/v1/agent/service/register`, {
    method: 'PUT',
    headers: { 'X-Consul-Token': studentToken },
    body: JSON.stringify({ ID: 'workshop-alice', Name: 'workshop-alice', Port: 8081, Check: { TTL: '60s', Status: 'passing' } }),
  });
  expect(reg.status).toBe(200);
  await waitFor(
    async () => {
      const h = (await (await mgmt('/v1/health/service/workshop-alice?passing=1')).json()) as unknown[];
      return h.length === 1;
    },
    { timeoutMs: 30_000, intervalMs: 250, what: 'workshop-alice passing in the catalog' },
  );
}, 120_000);

test('a raw connection to the RPC port that speaks raft (0x01) is closed within 2 s; the leader is unchanged', async () => {
  const leader = await (await fetch(`${server.httpUrl}/v1/status/leader`)).json();
  const port = serverRpcPort();
  const closedAfter = await new Promise<number>((resolve, reject) => {
    const s = connect({ host: SERVER_IP, port });
    const t0 = Date.now();
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('the server kept a plain-text raft connection open for 5 s'));
    }, 5000);
    s.once('connect', () => s.write(Buffer.from([0x01])));
    s.on('data', () => undefined);
    s.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
    s.once('error', () => undefined);
  });
  expect(closedAfter).toBeLessThan(2000);
  expect(await (await fetch(`${server.httpUrl}/v1/status/leader`)).json()).toBe(leader);
}, 30_000);

test('a rogue server with the gossip key and a certificate from the cluster never becomes a voter and never gets raft data', async () => {
  // The strongest certificate a student can get: a Connect leaf for its own service, signed by the cluster's Connect CA.
  const leafRes = await fetch(`${server.httpUrl}/v1/agent/connect/ca/leaf/workshop-alice`, { headers: { 'X-Consul-Token': studentToken } });
  expect(leafRes.status).toBe(200);
  const leaf = (await leafRes.json()) as { CertPEM: string; PrivateKeyPEM: string };
  const roots = (await (await mgmt('/v1/agent/connect/ca/roots')).json()) as { Roots: Array<{ RootCert: string }> };
  const dir = mkdtempSync(path.join(tmp, 'rogue-'));
  writeFileSync(path.join(dir, 'leaf.pem'), leaf.CertPEM);
  writeFileSync(path.join(dir, 'leaf-key.pem'), leaf.PrivateKeyPEM, { mode: 0o600 });
  // It trusts both CAs (the classroom CA from the join info, Connect's from the API): it wants to be believed, not to check.
  writeFileSync(path.join(dir, 'cas.pem'), readFileSync(pki.ca, 'utf8') + roots.Roots.map((r) => r.RootCert).join('\n'));
  const rogue = await prepareAgent({
    name: 'rogue-server',
    ip: '127.0.0.3',
    server: true,
    retryJoin: [`${SERVER_IP}:${server.serfLanPort}`],
    extraConfig: {
      encrypt: secrets.gossipKey,
      tls: {
        defaults: {
          ca_file: path.join(dir, 'cas.pem'),
          cert_file: path.join(dir, 'leaf.pem'),
          key_file: path.join(dir, 'leaf-key.pem'),
          verify_outgoing: true,
        },
      },
    },
  });
  await launch(rogue);
  // It does get into the gossip pool (the gossip key is every student's): Consul CE cannot stop that.
  await waitFor(
    async () => ((await (await mgmt('/v1/agent/members')).json()) as Array<{ Name: string }>).some((m) => m.Name === 'rogue-server'),
    { timeoutMs: 30_000, intervalMs: 500, what: 'the rogue in the gossip pool' },
  );
  const joined = Date.now();
  let voter = false;
  while (Date.now() - joined < 40_000) {
    const cfg = (await (await mgmt('/v1/operator/raft/configuration')).json()) as { Servers: Array<{ Node: string; Voter: boolean }> };
    voter ||= cfg.Servers.some((s) => s.Node === 'rogue-server' && s.Voter);
    await sleep(1000);
  }
  expect(voter).toBe(false);
  for (const secret of [secrets.managementToken, studentToken]) expect(filesContaining(rogue.dataDir, secret)).toEqual([]);
  // The real server refused it on raft and said why.
  await waitFor(async () => /AuthorizeServerConn failed|tls: bad certificate|certificate/i.test(running[0]!.proc.output()), {
    timeoutMs: 10_000,
    intervalMs: 500,
    what: "the server's log naming the refused certificate",
  });
}, 120_000);

test('an agent given another CA never gets into the catalog', async () => {
  const mallory = await clientAgent('student-mallory', '127.0.0.4', pki.otherCa, studentToken);
  await launch(mallory);
  const started = Date.now();
  while (Date.now() - started < 15_000) {
    const nodes = (await (await mgmt('/v1/catalog/nodes')).json()) as Array<{ Node: string }>;
    expect(nodes.map((n) => n.Node)).not.toContain('student-mallory');
    await sleep(1000);
  }
}, 60_000);
