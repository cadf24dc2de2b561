// lab:roster's reading against a REAL Consul: a dev agent with ACLs on (default deny, the management token as
// its default token), students made the way the enrollment service and a student's agent make them (a token from
// the lab-students auth method's login, a node student-<name> with serfHealth, a service workshop-<name>), a tiny
// page stand-in; and a dev agent with ACLs off (the normal lab).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { httpConsulGet, httpReadPage, readRoster, renderRoster, RosterUnavailableError } from '../../scripts/lib/classroom/roster';
import { ConsulAgent, startAgent, startConsulDev, waitForReady } from '../harness/consul';
import { useConsul } from '../harness/consulFixture';
import { readyOrStopped } from '../harness/processes';
import { studentLogins } from '../harness/classroomStudents';

const MANAGEMENT = randomUUID();
const acl = useConsul(startAclAgent);
let page: http.Server;
let pageUrl: string;
let pageIds: string[] = [];

async function put(path: string, body: unknown): Promise<unknown> {
  // No token: the agent's default token (the management token) applies, as for the instructor's lab scripts.
  const res = await fetch(`${acl().httpUrl}${path}`, { method: 'PUT', body: JSON.stringify(body), signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`PUT ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** A student's node as their agent would put it in the catalog, with the serfHealth check and their API (its own service workshop-<name>). */
async function studentNode(name: string, serf: string, api?: string): Promise<void> {
  await put('/v1/catalog/register', {
    Node: `student-${name}`,
    Address: '192.168.1.30',
    Checks: [
      { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: serf },
      ...(api ? [{ CheckID: `service:workshop-${name}`, Name: 'workshop-api health', Status: api, ServiceID: `workshop-${name}` }] : []),
    ],
    ...(api ? { Service: { ID: `workshop-${name}`, Service: `workshop-${name}`, Address: '192.168.1.30', Port: 8081 } } : {}),
  });
}

async function startAclAgent(): Promise<ConsulAgent> {
  const agent = await startAgent({
    name: `roster-acl-${process.pid}`,
    ip: '127.0.0.1',
    dev: true,
    extraHcl: [
      `acl { enabled = true  default_policy = "deny"  tokens { initial_management = "${MANAGEMENT}"  agent = "${MANAGEMENT}"  default = "${MANAGEMENT}" } }`,
    ],
  });
  return readyOrStopped(agent, () => waitForReady(agent, { catalog: true, intervalMs: 100 }));
}

beforeAll(async () => {
  page = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<ul>${pageIds.map((id) => `<li data-id="${id}"><img src="/avatars/${id}"></li>`).join('')}</ul>`);
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;

  const logins = await studentLogins(acl().httpUrl, MANAGEMENT);
  for (const name of ['alice', 'bob', 'dave']) await logins.login(name);
  await studentNode('alice', 'passing', 'passing');
  await studentNode('bob', 'critical', 'passing');
  await studentNode('carol', 'passing', 'critical');
  pageIds = ['workshop-alice'];
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => page?.close(resolve));
});

test('one line per student from the tokens and the catalog, with the four facts', async () => {
  const roster = await readRoster(acl().httpUrl, pageUrl, httpConsulGet(acl().httpUrl, undefined), httpReadPage(pageUrl));
  const lines = renderRoster(roster).split('\n');
  // Joined students' lines end with their token's expiry (the auth method's 12 h).
  expect(lines[0]).toMatch(/^ {2}alice +joined ✓ +agent alive ✓ +API passing ✓ +on the page ✓ +expires in 1[12] h \d+ min$/);
  expect(lines[1]).toMatch(
    /^ {2}bob +joined ✓ +agent alive ✗ serfHealth critical +API passing ✗ agent down +on the page ✗ not there +expires in 1[12] h \d+ min$/,
  );
  expect(lines[2]).toMatch(
    /^ {2}carol +joined ✗ no token +agent alive ✓ +API passing ✗ critical \("workshop-api health"\) +on the page ✗ not there$/,
  );
  expect(lines[3]).toMatch(
    /^ {2}dave +joined ✓ +agent alive ✗ no node +API passing ✗ not registered +on the page ✗ not there +expires in 1[12] h \d+ min$/,
  );
  expect(lines[4]).toMatch(/^4 students: 3 joined, 2 agents alive, 1 API passing, 1 on the page/);
  // The dev agent itself is a member without a token of its own that claims to be a server (not consul-server-1..3).
  expect(lines.slice(5).join('\n')).toMatch(/⚠ member "?roster-acl-\d+"? .*has no token of its own/);
});

test("Consul's own refusals: an unknown token, a token without acl:read", async () => {
  const unknown = await readRoster(acl().httpUrl, pageUrl, httpConsulGet(acl().httpUrl, randomUUID()), httpReadPage(pageUrl)).catch(
    (e: unknown) => e,
  );
  expect(unknown).toBeInstanceOf(RosterUnavailableError);
  expect((unknown as Error).message).toMatch(/refused to list the ACL tokens \(403 "ACL not found"\)/);

  const student = await (await studentLogins(acl().httpUrl, MANAGEMENT)).login('erin');
  const denied = await readRoster(acl().httpUrl, pageUrl, httpConsulGet(acl().httpUrl, student.SecretID), httpReadPage(pageUrl)).catch(
    (e: unknown) => e,
  );
  expect((denied as Error).message).toMatch(/refused to list the ACL tokens \(403 "Permission denied/);
});

test('a lab with ACLs off (not classroom mode) says so', async () => {
  const plain = await startConsulDev(`roster-plain-${process.pid}`);
  try {
    const err = await readRoster(plain.httpUrl, pageUrl, httpConsulGet(plain.httpUrl, undefined), httpReadPage(pageUrl)).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RosterUnavailableError);
    expect((err as Error).message).toMatch(/is not in classroom mode/);
  } finally {
    await plain.stop();
  }
}, 60_000);
