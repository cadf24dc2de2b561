// lab:roster against a REAL Consul (the pinned version) with gossip encryption and default-deny ACLs, students made
// the way the enrollment service makes them: a JWT signed with its ES256 key, exchanged at POST /v1/acl/login through
// the lab-students auth method (node identity student-<name>, service identity workshop-<name>, 12 h TTL). The roster
// finds them with studentOfToken and shows when their tokens expire; `--free` (freeStudent) deletes a student's tokens,
// forces its node out and deregisters it, and the roster then shows the name as gone. The dev agent itself is a member
// without a token of its own that claims to be a server (it is one, but not one of consul-server-1..3): both flags.
import { randomUUID } from 'node:crypto';
import { freeStudent, httpConsulCall } from '../../scripts/lib/classroom/freeStudent';
import { httpConsulGet, readRoster, renderRoster, type Roster } from '../../scripts/lib/classroom/roster';
import { type ConsulAgent, startAgent, waitForReady } from '../harness/consul';
import { useConsul } from '../harness/consulFixture';
import { readyOrStopped } from '../harness/processes';
import { studentLogins, type StudentLogins } from '../harness/classroomStudents';
import { STUDENT_AUTH_METHOD } from '../../services/enrollment/names';
import { waitFor } from '../harness/waitFor';

const MGMT = randomUUID();
const GOSSIP_KEY = Buffer.alloc(32, 5).toString('base64');
const NODE = `roster-free-${process.pid}`;
const consul = useConsul(startAgentWithAcls);
let logins: StudentLogins;

async function consulReq(method: string, path: string, body?: unknown, token: string | undefined = MGMT): Promise<Response> {
  return fetch(`${consul().httpUrl}${path}`, {
    method,
    headers: token ? { 'X-Consul-Token': token } : {},
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
}

async function ok<T>(res: Promise<Response>, what: string): Promise<T> {
  const r = await res;
  if (!r.ok) throw new Error(`${what}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

const login = (name: string): Promise<{ SecretID: string; AccessorID: string }> => logins.login(name);

/** The student's agent registering its node and its workshop-<name>, with the student's own token. */
function registerOwnNode(name: string, token: string): Promise<Response> {
  return consulReq(
    'PUT',
    '/v1/catalog/register',
    {
      Node: `student-${name}`,
      Address: '127.0.0.1',
      Service: { ID: `workshop-${name}`, Service: `workshop-${name}`, Port: 8081 },
    },
    token,
  );
}

const readTheRoster = (): Promise<Roster> =>
  readRoster(consul().httpUrl, 'http://127.0.0.1:9', httpConsulGet(consul().httpUrl, MGMT), () => Promise.resolve('<ul></ul>'), {
    classGossipKey: GOSSIP_KEY,
  });

async function startAgentWithAcls(): Promise<ConsulAgent> {
  const agent = await startAgent({
    name: NODE,
    ip: '127.0.0.1',
    dev: true,
    extraHcl: [
      `encrypt = "${GOSSIP_KEY}"`,
      `acl { enabled = true  default_policy = "deny"  tokens { initial_management = "${MGMT}"  agent = "${MGMT}" } }`,
    ],
  });
  // Stopped by readyOrStopped when it never gets ready; by the fixture otherwise. Ready = a leader, and the management
  // token (bootstrapped once the leader is) sees the agent's own node: anonymous sees nothing under default deny.
  return readyOrStopped(agent, async () => {
    await waitForReady(agent, { intervalMs: 100, timeoutMs: 60_000 });
    await waitFor(
      async () => {
        const res = await fetch(`${agent.httpUrl}/v1/catalog/nodes`, {
          headers: { 'X-Consul-Token': MGMT },
          signal: AbortSignal.timeout(2000),
        });
        return res.ok && ((await res.json()) as unknown[]).length > 0 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `the management token and the node of ${NODE}` },
    );
  });
}

beforeAll(async () => {
  logins = await studentLogins(consul().httpUrl, MGMT);
}, 90_000);

test('the roster finds login-made students, shows when their tokens expire, and flags the member without a token', async () => {
  const alice = await login('alice');
  await login('alice'); // a second enrolment: two tokens
  const bob = await login('bob');
  expect((await registerOwnNode('alice', alice.SecretID)).status).toBe(200);
  expect((await registerOwnNode('bob', bob.SecretID)).status).toBe(200);
  // A student's token writes its own node only.
  expect((await registerOwnNode('carol', alice.SecretID)).status).toBe(403);
  // carol: a node in the catalog without any token (registered with the management token).
  expect((await consulReq('PUT', '/v1/catalog/register', { Node: 'student-carol', Address: '127.0.0.1' })).status).toBe(200);

  const roster = await readTheRoster();
  expect(roster.students.map((s) => [s.name, s.joined])).toEqual([
    ['alice', { ok: true, why: '2 tokens' }],
    ['bob', { ok: true }],
    ['carol', { ok: false, why: 'no token' }],
  ]);
  // 12 h (the auth method's MaxTokenTTL), less the seconds this test took.
  const bobRow = roster.students.find((s) => s.name === 'bob')!;
  expect(bobRow.expires!.inSeconds).toBeGreaterThan(12 * 3600 - 300);
  expect(bobRow.expires!.inSeconds).toBeLessThanOrEqual(12 * 3600);
  expect(roster.keyring).toEqual({ ok: true, keys: 1, primaryIsClassKey: true });
  expect(roster.flags).toEqual([
    { kind: 'no-token', member: NODE, address: '127.0.0.1', status: 'alive' },
    { kind: 'server', member: NODE, address: '127.0.0.1', status: 'alive' },
  ]);
  const lines = renderRoster(roster).split('\n');
  expect(lines[0]).toMatch(/^ {2}alice +joined ✓ 2 tokens +agent alive ✗ no serfHealth .* expires in 1[12] h( \d+ min)?$/);
  expect(lines.slice(4)).toEqual([
    `⚠ member "${NODE}" (127.0.0.1) has no token of its own: it joined with the gossip key alone`,
    expect.stringMatching(new RegExp(`^⚠ member "${NODE}" \\(127\\.0\\.0\\.1\\) claims to be a SERVER: `)),
  ]);
}, 60_000);

test('--free: every token of the name deleted, the node forced out and deregistered; the roster shows the name as gone', async () => {
  const before = await readTheRoster();
  expect(before.students.map((s) => s.name)).toContain('alice');
  const lines: string[] = [];
  const result = await freeStudent(consul().httpUrl, 'Alice', httpConsulCall(consul().httpUrl, MGMT), (l) => lines.push(l));
  expect(lines).toEqual([
    expect.stringMatching(/^deleted token [0-9a-f]{8}… of "alice"$/),
    expect.stringMatching(/^deleted token [0-9a-f]{8}… of "alice"$/),
    // A registered node whose agent never joined the gossip: Consul 1.20 answers 500 "No node found".
    'student-alice is not a member of the gossip pool',
    'node student-alice deregistered from the catalog',
  ]);
  expect(result.summary).toBe(
    '"alice" is free: 2 tokens deleted, student-alice was not a member, its catalog node deregistered; the name can be enrolled again',
  );

  const tokens = await ok<Array<{ NodeIdentities?: Array<{ NodeName: string }> }>>(
    consulReq('GET', `/v1/acl/tokens?authmethod=${STUDENT_AUTH_METHOD}`),
    'tokens',
  );
  expect(tokens.map((t) => t.NodeIdentities?.[0]?.NodeName)).toEqual(['student-bob']);
  // Consul answers a node it does not have with 200 and null.
  expect(await ok(consulReq('GET', '/v1/catalog/node/student-alice'), 'node')).toBeNull();
  const after = await readTheRoster();
  expect(after.students.map((s) => s.name)).toEqual(['bob', 'carol']);
  expect(renderRoster(after)).not.toMatch(/alice/);

  // Freeing again is harmless: nothing to delete, and Consul's "not found" answers are fine.
  const again = await freeStudent(consul().httpUrl, 'alice', httpConsulCall(consul().httpUrl, MGMT));
  expect(again.tokensDeleted).toBe(0);
  // carol had no token: her node goes, and so does her row.
  await freeStudent(consul().httpUrl, 'carol', httpConsulCall(consul().httpUrl, MGMT));
  expect((await readTheRoster()).students.map((s) => s.name)).toEqual(['bob']);
}, 60_000);

test('a token Consul refuses for --free: one line, and nothing was deleted', async () => {
  const bob = await login('bob');
  const err = await freeStudent(consul().httpUrl, 'bob', httpConsulCall(consul().httpUrl, bob.SecretID)).catch((e: unknown) => e);
  expect((err as Error).message).toMatch(/refused to list the ACL tokens \(403 "Permission denied/);
  expect((await readTheRoster()).students.find((s) => s.name === 'bob')?.joined).toEqual({ ok: true, why: '2 tokens' });
}, 60_000);

test('a key installed by a member: the keyring flag, without the key; a switched primary says so', async () => {
  const other = Buffer.alloc(32, 6).toString('base64');
  expect((await consulReq('POST', '/v1/operator/keyring', { Key: other })).status).toBe(200);
  const installed = await readTheRoster();
  expect(installed.flags).toContainEqual({ kind: 'keyring', keys: 2, primaryIsClassKey: true });
  const text = renderRoster(installed);
  expect(text).toContain(
    '⚠ the gossip keyring was changed by a member (2 keys installed): Consul CE lets any member with the key do that; start a new class (lab:up --classroom) to rotate',
  );
  expect((await consulReq('PUT', '/v1/operator/keyring', { Key: other })).status).toBe(200);
  const switched = await readTheRoster();
  expect(switched.flags).toContainEqual({ kind: 'keyring', keys: 2, primaryIsClassKey: false });
  for (const t of [text, renderRoster(switched), JSON.stringify(switched)]) {
    expect(t).not.toContain(GOSSIP_KEY);
    expect(t).not.toContain(other);
  }
}, 60_000);
