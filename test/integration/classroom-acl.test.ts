// Classroom ACLs against a real Consul (the pinned version) with default_policy deny and the management token
// bootstrapped from acl.tokens.initial_management, as lab:up --classroom configures the servers: the ACL set-up is
// idempotent; the room reads but never writes; each preset token writes exactly what it must; the enrollment service
// (over https, with a certificate of a throwaway CA made by the pinned Consul's own `consul tls`) holds a token that
// only reads, and gets each student's token from Consul's login with a JWT it signs: a student writes its own node
// and its own service workshop-<name> only, and leaving logs that token out.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connect as tlsConnect, type DetailedPeerCertificate } from 'node:tls';
import { createLogger } from '../../services/shared/logger';
import { createEnrollmentApp } from '../../services/enrollment/app';
import { consulAclRegistry } from '../../services/enrollment/consulAcl';
import { createEnrollmentServer, type EnrollmentServer } from '../../services/enrollment/server';
import { parseJwtKey, studentJwtSigner } from '../../services/enrollment/studentJwt';
import { STUDENT_AUTH_METHOD, STUDENT_JWT, studentLoginMeta } from '../../services/enrollment/names';
import { setUpClassroomAcls, verifyGossipKey } from '../../scripts/lib/classroom/aclSetup';
import { newPresetTokenIds, PRESET_TOKEN_KEYS } from '../../scripts/lib/classroom/classroomTokens';
import { type ConsulAgent, consulBinary, startAgent, waitForReady } from '../harness/consul';
import { useConsul } from '../harness/consulFixture';
import { readyOrStopped } from '../harness/processes';

const MGMT = randomUUID();
const GOSSIP_KEY = Buffer.alloc(32, 3).toString('base64');
const CODE = 'kite-maple-river-27419';
const JOIN_INFO = JSON.stringify({ version: 2, datacenter: 'dc1', joinCode: CODE, gossipKey: GOSSIP_KEY, ca: 'opaque here' });
const IDS = newPresetTokenIds();
const pkcs8 = (k: KeyObject): string => k.export({ type: 'pkcs8', format: 'pem' }).toString();
const JWT_KEY = pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);

const consul = useConsul(startAgentWithAcls);
let tlsDir: string | undefined;
let enrollment: EnrollmentServer | undefined;
let port: number;
let caPem: string;
/** Every JWT the service signed and every student token it handed out: none may reach a log line. */
const jwts: string[] = [];
const handedOut: string[] = [];
const logLines: string[] = [];

async function startAgentWithAcls(): Promise<ConsulAgent> {
  const agent = await startAgent({
    name: `classroom-acl-${process.pid}`,
    ip: '127.0.0.1',
    dev: true,
    extraHcl: [
      `encrypt = "${GOSSIP_KEY}"`,
      `acl { enabled = true  default_policy = "deny"  enable_token_persistence = true  tokens { initial_management = "${MGMT}"  agent = "${MGMT}" } }`,
    ],
  });
  return readyOrStopped(agent, () => waitForReady(agent, { intervalMs: 100 }));
}

beforeAll(async () => {
  // A throwaway CA and a client certificate for 127.0.0.1, as lab:up makes the enrollment service's.
  tlsDir = mkdtempSync(path.join(os.tmpdir(), 'classroom-acl-tls-'));
  const bin = consulBinary();
  execFileSync(bin, ['tls', 'ca', 'create', '-days', '2'], { cwd: tlsDir, stdio: 'ignore', timeout: 30_000 });
  execFileSync(bin, ['tls', 'cert', 'create', '-client', '-days', '2', '-additional-ipaddress', '127.0.0.1'], {
    cwd: tlsDir,
    stdio: 'ignore',
    timeout: 30_000,
  });
  const read = (f: string): string => readFileSync(path.join(tlsDir!, f), 'utf8');
  caPem = read('consul-agent-ca.pem');

  const sign = studentJwtSigner(parseJwtKey(JWT_KEY));
  const app = createEnrollmentApp(
    { joinInfoJson: JOIN_INFO, joinCode: CODE, datacenter: 'dc1' },
    consulAclRegistry({
      consulUrl: consul().httpUrl,
      token: IDS.enrollment.secretId,
      signJwt: async (name) => {
        const jwt = await sign(name);
        jwts.push(jwt);
        return jwt;
      },
    }),
    createLogger({ name: 'enrollment', write: (l) => logLines.push(l) }),
  );
  // The certificate file holds the chain: the certificate, then the CA (as lab:up passes it).
  enrollment = createEnrollmentServer(app, {
    certPem: read('dc1-client-consul-0.pem') + caPem,
    keyPem: read('dc1-client-consul-0-key.pem'),
  });
  await enrollment.listen(0, '127.0.0.1');
  port = (enrollment.server.address() as AddressInfo).port;
}, 90_000);

afterAll(async () => {
  await enrollment?.close(500);
  if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
});

const consulReq = (method: string, path: string, token?: string, body?: unknown): Promise<Response> =>
  fetch(`${consul().httpUrl}${path}`, {
    method,
    headers: token ? { 'X-Consul-Token': token } : {},
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** A request to the enrollment service over https, trusting the test's CA only. */
function enrollReq(
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string>; ca?: string | null } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const data = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        agent: false,
        timeout: 60_000,
        ...(opts.ca === null ? {} : { ca: opts.ca ?? caPem }),
        headers: { ...(data ? { 'Content-Type': 'application/json' } : {}), ...opts.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(data);
  });
}

const enroll = async (name: string, code = CODE) => {
  const r = await enrollReq('POST', '/v1/students', { body: { code, name } });
  if (r.status === 201) handedOut.push((JSON.parse(r.text) as { token: string }).token);
  return r;
};

const SECRET_HIDDEN = '<hidden>';

test('ACL set-up creates everything, opens reads to the room, then changes nothing', async () => {
  const opts = { consulUrl: consul().httpUrl, managementToken: MGMT, presetTokenIds: IDS, enrollmentJwtKey: JWT_KEY, datacenter: 'dc1' };
  const first = await setUpClassroomAcls(opts);
  expect(first).toEqual([
    'policy lab-anonymous-read created',
    'policy lab-enrollment created',
    'anonymous token: lab-anonymous-read attached',
    ...PRESET_TOKEN_KEYS.map((k) => `token ${k} created`),
    'auth method lab-students created',
    'binding rule node student-${value.name} created',
    'binding rule service workshop-${value.name} created',
  ]);
  // Idempotent against what Consul really answers (durations as 12h0m0s, keys as stored, tokens with their links).
  expect(await setUpClassroomAcls(opts)).toEqual([]);

  expect((await consulReq('PUT', '/v1/kv/x', undefined, 'y')).status).toBe(403);
  expect((await consulReq('PUT', '/v1/catalog/register', undefined, { Node: 'intruder', Address: '10.0.0.9' })).status).toBe(403);
  const nodes = await consulReq('GET', '/v1/catalog/nodes');
  expect(nodes.status).toBe(200);
  expect(((await nodes.json()) as unknown[]).length).toBeGreaterThan(0);
  expect((await consulReq('PUT', '/v1/kv/x', MGMT, 'y')).status).toBe(200);
}, 60_000);

test('each preset token exists with its SecretID and can do exactly what it must', async () => {
  for (const k of PRESET_TOKEN_KEYS) {
    const self = await consulReq('GET', '/v1/acl/token/self', IDS[k].secretId);
    expect([k, self.status]).toEqual([k, 200]);
    expect(((await self.json()) as { AccessorID: string }).AccessorID).toBe(IDS[k].accessorId);
  }
  const register = (token: string, body: unknown): Promise<number> =>
    consulReq('PUT', '/v1/catalog/register', token, body).then((r) => r.status);

  // An agent's token: its own node, no other.
  const hostA = IDS['agent-host-a'].secretId;
  expect(await register(hostA, { Node: 'host-a', Address: '127.0.0.1' })).toBe(200);
  expect(await register(hostA, { Node: 'host-b', Address: '127.0.0.1' })).toBe(403);

  // workshop-host-a: the service workshop and node checks on host-a; not the demo's service, not host-b.
  const workshopA = IDS['workshop-host-a'].secretId;
  expect(
    await register(workshopA, { Node: 'host-a', Address: '127.0.0.1', Service: { ID: 'workshop-a1', Service: 'workshop', Port: 8081 } }),
  ).toBe(200);
  expect(
    await register(workshopA, {
      Node: 'host-a',
      Address: '127.0.0.1',
      Check: { CheckID: 'workshop-a1-node', Name: 'node check', Status: 'passing' },
    }),
  ).toBe(200);
  expect(
    await register(workshopA, { Node: 'host-a', Address: '127.0.0.1', Service: { ID: 'demo', Service: 'consul-demo', Port: 9000 } }),
  ).toBe(403);
  expect(
    await register(workshopA, { Node: 'host-b', Address: '127.0.0.1', Service: { ID: 'workshop-b1', Service: 'workshop', Port: 8081 } }),
  ).toBe(403);

  // The enrollment token: lists tokens (secrets hidden), writes no ACL and nothing else.
  const enroll = IDS.enrollment.secretId;
  const list = await consulReq('GET', '/v1/acl/tokens', enroll);
  expect(list.status).toBe(200);
  const tokens = (await list.json()) as Array<{ AccessorID: string; SecretID: string }>;
  expect(tokens.length).toBeGreaterThanOrEqual(PRESET_TOKEN_KEYS.length);
  for (const t of tokens) expect(t.SecretID).toBe(SECRET_HIDDEN);
  expect((await consulReq('PUT', '/v1/acl/token', enroll, { Description: 'mine', Policies: [{ Name: 'global-management' }] })).status).toBe(
    403,
  );
  expect((await consulReq('PUT', '/v1/acl/policy', enroll, { Name: 'mine', Rules: 'acl = "write"' })).status).toBe(403);
  expect((await consulReq('GET', `/v1/acl/token/${IDS['agent-host-a'].accessorId}`, enroll).then((r) => r.json())) as object).toMatchObject(
    {
      SecretID: SECRET_HIDDEN,
    },
  );
  // (A register that changes nothing is allowed with read: these change the node.)
  expect(await register(enroll, { Node: 'host-a', Address: '127.0.0.7' })).toBe(403);
  expect(await register(enroll, { Node: 'enrollment-own', Address: '127.0.0.1' })).toBe(403);
  expect((await consulReq('PUT', '/v1/kv/x', enroll, 'y')).status).toBe(403);
}, 60_000);

test('enrollment over https: a login token for 12 h, 409 when taken; a student writes its own node and service only; leaving logs it out', async () => {
  const before = Date.now();
  const a = await enroll('alice');
  expect(a.status).toBe(201);
  const alice = JSON.parse(a.text) as Record<string, string>;
  expect(alice).toMatchObject({ name: 'alice', nodeName: 'student-alice', serviceId: 'workshop-alice', serviceName: 'workshop-alice' });
  expect(alice.accessorId).toMatch(/^[0-9a-f-]{36}$/);
  const ttl = Date.parse(alice.expirationTime!) - before;
  expect(ttl).toBeGreaterThan(12 * 3600_000 - 5 * 60_000);
  expect(ttl).toBeLessThan(12 * 3600_000 + 5 * 60_000);
  // Consul's own view of it: made by the auth method, a node identity and a service identity, nothing else.
  const self = (await (await consulReq('GET', '/v1/acl/token/self', alice.token)).json()) as Record<string, unknown>;
  expect(self).toMatchObject({
    AccessorID: alice.accessorId,
    AuthMethod: STUDENT_AUTH_METHOD,
    NodeIdentities: [{ NodeName: 'student-alice', Datacenter: 'dc1' }],
    ServiceIdentities: [{ ServiceName: 'workshop-alice' }],
    Description: `token created via login: ${JSON.stringify(studentLoginMeta('alice'))}`,
  });
  expect(self.Policies).toBeUndefined();
  expect(self.Roles).toBeUndefined();

  expect((await enroll('alice')).status).toBe(409);
  expect((await enroll('Alice')).status).toBe(409);
  expect((await enroll('carol', 'wrong-code-00000')).status).toBe(403);
  const b = await enroll('bob');
  expect(b.status).toBe(201);
  const bob = JSON.parse(b.text) as { token: string };

  // Each registers its own node (as its agent would) and its own service workshop-<name> (as workshop-api
  // --service workshop-<name> does), ID the same.
  const registerOwn = (name: string, token: string, service = `workshop-${name}`, node = `student-${name}`): Promise<Response> =>
    consulReq('PUT', '/v1/catalog/register', token, {
      Node: node,
      Address: '127.0.0.1',
      Service: { ID: service, Service: service, Port: 8081 },
    });
  expect((await registerOwn('alice', alice.token!)).status).toBe(200);
  expect((await registerOwn('bob', bob.token)).status).toBe(200);
  const bobsInstance = async (): Promise<unknown[]> =>
    (await (await consulReq('GET', '/v1/catalog/service/workshop-bob', MGMT)).json()) as unknown[];
  expect(await bobsInstance()).toHaveLength(1);

  // alice may not take bob's node away, nor his instance (Consul authorises a ServiceID deregister by write on the
  // service's NAME: workshop-bob is bob's alone), nor register on his node.
  expect((await consulReq('PUT', '/v1/catalog/deregister', alice.token, { Node: 'student-bob' })).status).toBe(403);
  expect((await consulReq('PUT', '/v1/catalog/deregister', alice.token, { Node: 'student-bob', ServiceID: 'workshop-bob' })).status).toBe(
    403,
  );
  expect((await consulReq('PUT', '/v1/catalog/register', alice.token, { Node: 'student-bob', Address: '127.0.0.9' })).status).toBe(403);
  // Nor put an instance under bob's service name on her own node, nor write the lab's shared workshop.
  expect((await registerOwn('alice', alice.token!, 'workshop-bob')).status).toBe(403);
  expect((await registerOwn('alice', alice.token!, 'workshop')).status).toBe(403);
  expect(await bobsInstance()).toHaveLength(1);
  // Nor any ACL.
  expect(
    (await consulReq('PUT', '/v1/acl/token', alice.token, { Description: 'x', Policies: [{ Name: 'global-management' }] })).status,
  ).toBe(403);
  // Her own service on her own node: allowed (again: idempotent), and she may read the rest.
  expect((await registerOwn('alice', alice.token!)).status).toBe(200);
  expect((await consulReq('GET', '/v1/catalog/node/student-bob', alice.token)).status).toBe(200);
  // Anonymous (the room): no write at all.
  expect((await registerOwn('mallory', '', 'workshop-mallory', 'student-mallory')).status).toBe(403);
  expect((await consulReq('PUT', '/v1/catalog/deregister', undefined, { Node: 'student-bob', ServiceID: 'workshop-bob' })).status).toBe(
    403,
  );

  // The name is taken by the service workshop-<name> alone too (on a node of another name).
  expect(
    (
      await consulReq('PUT', '/v1/catalog/register', MGMT, {
        Node: 'elsewhere',
        Address: '127.0.0.1',
        Service: { ID: 'workshop-dave', Service: 'workshop-dave', Port: 8081 },
      })
    ).status,
  ).toBe(200);
  expect((await enroll('dave')).status).toBe(409);

  // Leaving: the student's own token only; it is logged out (gone from Consul).
  const leave = (name: string, token: string) => enrollReq('DELETE', `/v1/students/${name}`, { headers: { 'X-Consul-Token': token } });
  expect((await leave('alice', bob.token)).status).toBe(403);
  expect((await leave('alice', IDS.enrollment.secretId)).status).toBe(403);
  expect((await leave('alice', alice.token!)).status).toBe(204);
  expect((await consulReq('GET', '/v1/acl/token/self', alice.token)).status).toBe(403);
  const students = (await (await consulReq('GET', `/v1/acl/tokens?authmethod=${STUDENT_AUTH_METHOD}`, MGMT)).json()) as Array<{
    AccessorID: string;
  }>;
  expect(students.map((t) => t.AccessorID)).not.toContain(alice.accessorId);
  expect((await leave('alice', alice.token!)).status).toBe(403);
  // A node still in the catalog keeps the name taken even without a token.
  expect((await enroll('alice')).status).toBe(409);
  expect((await consulReq('PUT', '/v1/catalog/deregister', MGMT, { Node: 'student-alice' })).status).toBe(200);
  expect((await enroll('alice')).status).toBe(201);
}, 90_000);

test("Consul's login trusts the enrollment service's key only, and only its issuer and audience", async () => {
  const login = (jwt: string) =>
    consulReq('POST', '/v1/acl/login', undefined, { AuthMethod: STUDENT_AUTH_METHOD, BearerToken: jwt, Meta: studentLoginMeta('eve') });
  const countStudents = async () =>
    ((await (await consulReq('GET', `/v1/acl/tokens?authmethod=${STUDENT_AUTH_METHOD}`, MGMT)).json()) as unknown[]).length;
  const n = await countStudents();
  const otherKey = parseJwtKey(pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey));
  const forged = await login(await studentJwtSigner(otherKey)('eve'));
  expect(forged.ok).toBe(false);
  expect(await forged.text()).toMatch(/no known key successfully validated the token signature/);
  // The right key but an expired JWT (past Consul's leeway): refused too.
  const stale = await login(await studentJwtSigner(parseJwtKey(JWT_KEY), () => Date.now() - 3600_000)('eve'));
  expect(stale.ok).toBe(false);
  expect(await countStudents()).toBe(n);
  expect(STUDENT_JWT.algorithm).toBe('ES256');
}, 30_000);

test('https only: plain http gets no join info; the chain carries the CA; a client without the CA refuses the certificate', async () => {
  // Plain http to the https port: one 400 "use https", never the join info.
  const plain = await fetch(`http://127.0.0.1:${port}/v1/join-info`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: CODE }),
  });
  expect(plain.status).toBe(400);
  const plainText = await plain.text();
  expect(plainText).not.toContain(GOSSIP_KEY);
  expect(JSON.parse(plainText)).toEqual({ error: expect.stringMatching(/^use https/) });
  expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(400);

  const health = await enrollReq('GET', '/health');
  expect([health.status, health.text]).toEqual([200, '{"status":"ok"}']);
  const info = await enrollReq('POST', '/v1/join-info', { body: { code: CODE } });
  expect([info.status, info.text]).toEqual([200, JOIN_INFO]);
  expect((await enrollReq('GET', `/v1/join-info?code=${CODE}`)).status).toBe(405);

  // What lab:join checks the pin against: the certificate, then the CA, as sent by the server.
  const chain = await new Promise<string[]>((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fps: string[] = [];
      const seen = new Set<string>();
      for (
        let c: DetailedPeerCertificate | undefined = s.getPeerCertificate(true);
        c?.raw && !seen.has(c.fingerprint256);
        c = c.issuerCertificate
      ) {
        seen.add(c.fingerprint256);
        fps.push(c.fingerprint256);
      }
      s.end();
      resolve(fps);
    });
    s.on('error', reject);
  });
  expect(chain).toEqual([expect.any(String), new X509Certificate(caPem).fingerprint256]);

  // Without the classroom CA, the certificate is not trusted (no system CA signs it).
  await expect(enrollReq('GET', '/health', { ca: null })).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
}, 30_000);

test('no log line carries the join code, the gossip key, a token or a JWT', () => {
  expect(jwts.length).toBeGreaterThan(0);
  expect(handedOut.length).toBeGreaterThan(0);
  expect(logLines.some((l) => l.includes('student enrolled'))).toBe(true);
  const log = logLines.join('\n');
  for (const secret of [CODE, GOSSIP_KEY, MGMT, IDS.enrollment.secretId, ...jwts, ...handedOut]) expect(log).not.toContain(secret);
});

test("verifyGossipKey: the cluster's key passes; another one is an error saying how to start afresh", async () => {
  await verifyGossipKey(consul().httpUrl, MGMT, GOSSIP_KEY, 'cl-test');
  await expect(verifyGossipKey(consul().httpUrl, MGMT, Buffer.alloc(32, 4).toString('base64'), 'cl-test')).rejects.toThrow(
    /another key .*`npm run lab:down -- -p cl-test -v`/,
  );
}, 30_000);
