// lab:check -- me (me.ts) on fake facts of a student's machine: each way a join can stand, and the hint it gets.
import type { CheckFact, Known } from './facts';
import { meChecks, type StudentFacts } from './me';

const ok = <T>(value: T): Known<T> => ({ ok: true, value });
const fail = (error: string): Known<never> => ({ ok: false, error });

const serf = (status: CheckFact['status'] = 'passing'): CheckFact => ({
  node: 'student-alice',
  checkId: 'serfHealth',
  name: 'Serf Health Status',
  status,
  serviceId: '',
});
const apiCheck = (status: CheckFact['status'] = 'passing'): CheckFact => ({
  node: 'student-alice',
  checkId: 'service:workshop-alice',
  name: 'workshop-alice /health',
  status,
  serviceId: 'workshop-alice',
});
const nodeCheck = (status: CheckFact['status'] = 'passing'): CheckFact => ({
  node: 'student-alice',
  checkId: 'workshop-alice-node-check',
  name: 'workshop-alice /health (node-level)',
  status,
  serviceId: '',
});

/** A student whose join went all the way; each test breaks one thing. */
function facts(over: Partial<StudentFacts> = {}): StudentFacts {
  return {
    name: 'alice',
    nodeName: 'student-alice',
    serviceId: 'workshop-alice',
    instructor: '192.168.1.20',
    project: 'lab-student',
    agentUrl: 'http://127.0.0.1:8500',
    apiAddress: '192.168.1.31:8081',
    serfPort: 8301,
    page: 'http://192.168.1.20:8080/',
    node: ok(true),
    checks: ok([serf(), apiCheck()]),
    onPage: ok(true),
    ...over,
  };
}

const failures = (f: StudentFacts): string[] => meChecks(f).flatMap((c) => (c.ok ? [] : [`${c.label} — ${c.hint}`]));

test('all the way in: four ✓, in order', () => {
  const r = meChecks(facts());
  expect(r.every((c) => c.ok)).toBe(true);
  expect(r.map((c) => c.label)).toEqual([
    'joined: node student-alice in the catalog (your agent at http://127.0.0.1:8500)',
    "my API passes (workshop-alice: its check and my node's serfHealth passing)",
    'my check is on my service (ServiceID workshop-alice), not on my node',
    "my avatar is on the instructor's page (http://192.168.1.20:8080/)",
  ]);
});

test('the agent does not answer: every check on it fails saying how to start the stack again', () => {
  const f = failures(facts({ node: fail('connect ECONNREFUSED'), checks: fail('connect ECONNREFUSED'), onPage: ok(false) }));
  expect(f).toHaveLength(4);
  for (const line of f.slice(0, 3))
    expect(line).toMatch(
      /your agent at http:\/\/127\.0\.0\.1:8500 does not answer \(connect ECONNREFUSED\): .*npm run lab:join -- 192\.168\.1\.20 --code <code> --pin <pin> --name alice starts it$/,
    );
  expect(f[3]).toMatch(/only a passing API is on the page: fix the ✗ above first$/);
});

test('not in the catalog: the agent logs and the join command', () => {
  const [first] = failures(facts({ node: ok(false), checks: ok([]), onPage: ok(false) }));
  expect(first).toBe(
    'joined: node student-alice in the catalog (your agent at http://127.0.0.1:8500) — your agent has not joined the class: ' +
      '`docker compose -p lab-student logs student-agent` says why; npm run lab:join -- 192.168.1.20 --code <code> --pin <pin> --name alice starts it again',
  );
});

test('an API not registered, or failing: its logs', () => {
  const gone = failures(facts({ checks: ok([serf()]), onPage: ok(false) }));
  expect(gone[0]).toMatch(
    /^my API passes .*: not registered — `docker compose -p lab-student logs workshop-api` says why; .*up -d workshop-api/,
  );
  expect(gone[1]).toMatch(/^my check is on my service .*: workshop-alice has no check — .*--force-recreate workshop-api/);

  const critical = failures(facts({ checks: ok([serf(), apiCheck('critical')]), onPage: ok(false) }));
  expect(critical).toHaveLength(2);
  expect(critical[0]).toMatch(/^my API passes .*: service:workshop-alice critical — `docker compose -p lab-student logs workshop-api`/);
});

test('the servers cannot reach the node back: the serf port to open (the page drops everything on a failed node)', () => {
  const f = failures(facts({ checks: ok([serf('critical'), apiCheck()]), onPage: ok(false) }));
  expect(f[0]).toMatch(/: serfHealth critical — .*allow incoming TCP\+UDP 8301 in this machine's firewall$/);
});

test("the original workshop's mistake, a node-level check: ✗ at service level, and a failing one fails the API too", () => {
  const passing = failures(facts({ checks: ok([serf(), apiCheck(), nodeCheck()]) }));
  expect(passing).toEqual([
    expect.stringMatching(
      /^my check is on my service \(ServiceID workshop-alice\), not on my node: workshop-alice-node-check has no ServiceID — a check without a ServiceID is the node's, .*--force-recreate workshop-api/,
    ),
  ]);
  const failing = failures(facts({ checks: ok([serf(), apiCheck(), nodeCheck('critical')]), onPage: ok(false) }));
  expect(failing[0]).toMatch(/^my API passes .*: workshop-alice-node-check critical/);
});

test('passing but not on the page: the API port to open; a page that does not answer: the network', () => {
  expect(failures(facts({ onPage: ok(false) }))).toEqual([
    "my avatar is on the instructor's page (http://192.168.1.20:8080/) — your API passes but the instructor's Nginx cannot reach it at " +
      "192.168.1.31:8081: allow incoming TCP on that port in this machine's firewall (a guest Wi-Fi that isolates clients blocks it)",
  ]);
  expect(failures(facts({ onPage: fail('no answer within 3 s') }))).toEqual([
    expect.stringMatching(/the page does not answer \(no answer within 3 s\): are you on the room's network\?/),
  ]);
});
