// Classroom ACLs against a real Consul (the pinned version) with default_policy deny and the management token
// bootstrapped from acl.tokens.initial_management, as lab:up --classroom configures the servers: the ACL set-up
// is idempotent, the room reads but never writes, and the enrollment service mints tokens that let a student
// write its own node and its own service workshop-<name> only: one student cannot take another's instance away.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createLogger } from '../../services/shared/logger';
import { createEnrollmentApp } from '../../services/enrollment/app';
import { consulAclRegistry } from '../../services/enrollment/consulAcl';
import { setUpClassroomAcls, verifyGossipKey } from '../../scripts/lib/classroom/aclSetup';
import { type ConsulAgent, prepareAgent, waitForReady } from '../harness/consul';
import { readyOrStopped } from '../harness/processes';

const MGMT = randomUUID();
const GOSSIP_KEY = Buffer.alloc(32, 3).toString('base64');
const CODE = 'kite-maple-7421';
let consul: ConsulAgent;
let server: http.Server;
let enrollUrl: string;

beforeAll(async () => {
  const prepared = await prepareAgent({
    name: `classroom-acl-${process.pid}`,
    ip: '127.0.0.1',
    dev: true,
    extraHcl: [
      `encrypt = "${GOSSIP_KEY}"`,
      `acl { enabled = true  default_policy = "deny"  enable_token_persistence = true  tokens { initial_management = "${MGMT}"  agent = "${MGMT}" } }`,
    ],
  });
  const proc = prepared.launch();
  consul = { ...prepared, process: proc, stop: () => proc.stop('SIGTERM', 5000).then(() => undefined) };
  await readyOrStopped(consul, () => waitForReady(consul, { intervalMs: 100 }));
  const app = createEnrollmentApp(
    { joinInfoJson: JSON.stringify({ joinCode: CODE, datacenter: 'dc1' }), joinCode: CODE, datacenter: 'dc1' },
    consulAclRegistry(consul.httpUrl, MGMT),
    createLogger({ name: 'enrollment', write: () => undefined }),
  );
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  enrollUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await consul?.stop();
});

const consulReq = (method: string, path: string, token?: string, body?: unknown): Promise<Response> =>
  fetch(`${consul.httpUrl}${path}`, {
    method,
    headers: token ? { 'X-Consul-Token': token } : {},
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const enroll = (name: string, code = CODE): Promise<Response> =>
  fetch(`${enrollUrl}/v1/students`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code, name }),
  });

test('ACL set-up creates the anonymous-read policy and opens reads to the room, then changes nothing', async () => {
  const first = await setUpClassroomAcls({ consulUrl: consul.httpUrl, managementToken: MGMT });
  expect(first).toEqual(['policy lab-anonymous-read created', 'anonymous token: lab-anonymous-read attached']);
  expect(await setUpClassroomAcls({ consulUrl: consul.httpUrl, managementToken: MGMT })).toEqual([]);

  expect((await consulReq('PUT', '/v1/kv/x', undefined, 'y')).status).toBe(403);
  expect((await consulReq('PUT', '/v1/catalog/register', undefined, { Node: 'intruder', Address: '10.0.0.9' })).status).toBe(403);
  const nodes = await consulReq('GET', '/v1/catalog/nodes');
  expect(nodes.status).toBe(200);
  expect(((await nodes.json()) as unknown[]).length).toBeGreaterThan(0);
  expect((await consulReq('PUT', '/v1/kv/x', MGMT, 'y')).status).toBe(200);
}, 60_000);

test('enrollment: 201 then 409, wrong code 403; a student writes its own node and service only; leaving frees the name', async () => {
  const a = await enroll('alice');
  expect(a.status).toBe(201);
  const alice = (await a.json()) as { token: string; nodeName: string; serviceName: string };
  expect(alice).toMatchObject({ nodeName: 'student-alice', serviceName: 'workshop-alice' });
  expect((await enroll('alice')).status).toBe(409);
  expect((await enroll('carol', 'wrong-code-0000')).status).toBe(403);
  const bob = (await (await enroll('bob')).json()) as { token: string };

  // Each registers its own node (as its agent would) and its own service workshop-<name> (as workshop-api
  // --service workshop-<name> does), ID the same.
  const registerOwn = (name: string, token: string, service = `workshop-${name}`, node = `student-${name}`): Promise<Response> =>
    consulReq('PUT', '/v1/catalog/register', token, {
      Node: node,
      Address: '127.0.0.1',
      Service: { ID: service, Service: service, Port: 8081 },
    });
  expect((await registerOwn('alice', alice.token)).status).toBe(200);
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
  expect((await registerOwn('alice', alice.token, 'workshop-bob')).status).toBe(403);
  expect((await registerOwn('alice', alice.token, 'workshop')).status).toBe(403);
  expect(await bobsInstance()).toHaveLength(1);
  // Her own service on her own node: allowed (again: idempotent), and she may read the rest.
  expect((await registerOwn('alice', alice.token)).status).toBe(200);
  expect((await consulReq('GET', '/v1/catalog/node/student-bob', alice.token)).status).toBe(200);
  // Anonymous (the room): no write at all.
  expect((await registerOwn('mallory', '', 'workshop-mallory', 'student-mallory')).status).toBe(403);
  expect((await consulReq('PUT', '/v1/catalog/deregister', undefined, { Node: 'student-bob', ServiceID: 'workshop-bob' })).status).toBe(
    403,
  );

  // the name is taken by the service workshop-<name> alone too (a node of another name holding it)
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

  // a node already in the catalog keeps its name taken even without a token
  const leave = (name: string, token: string): Promise<Response> =>
    fetch(`${enrollUrl}/v1/students/${name}`, { method: 'DELETE', headers: { 'X-Consul-Token': token } });
  expect((await leave('alice', bob.token)).status).toBe(403);
  expect((await leave('alice', alice.token)).status).toBe(204);
  expect((await enroll('alice')).status).toBe(409); // node student-alice is still in the catalog
  expect((await consulReq('PUT', '/v1/catalog/deregister', MGMT, { Node: 'student-alice' })).status).toBe(200);
  expect((await enroll('alice')).status).toBe(201);
}, 60_000);

test("verifyGossipKey: the cluster's key passes; another one is an error saying how to start afresh", async () => {
  await verifyGossipKey(consul.httpUrl, MGMT, GOSSIP_KEY, 'cl-test');
  await expect(verifyGossipKey(consul.httpUrl, MGMT, Buffer.alloc(32, 4).toString('base64'), 'cl-test')).rejects.toThrow(
    /another key .*`npm run lab:down -- -p cl-test -v`/,
  );
}, 30_000);
