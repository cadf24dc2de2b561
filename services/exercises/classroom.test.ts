// The classroom exercise (classroom.ts) on states built like a running lab's (testdata/labFacts.ts).
import { shownName } from './classroom';
import { checkExercise } from './exercises';
import { LabFacts } from './facts';
import { expectFail, expectPass, factsOf, failures, healthyLab, LabState, student, StudentState } from './testdata/labFacts';

describe('classroom: every student joined, alive, passing and on the page', () => {
  const room = (students: StudentState[]): LabState => healthyLab({ classroom: true, students });

  test('passes with students whose agents are alive, APIs passing and avatars on the page', () => {
    const r = expectPass('classroom', room([student('alice'), student('bob')]));
    expect(r.checks.map((c) => c.label)).toEqual([
      "the lab runs in classroom mode (Consul's ACLs on)",
      'at least one student has joined (a node student-<name>): alice, bob',
      "every student's agent is alive (serfHealth of student-<name> passing) (2)",
      "every student's API passes (workshop-<name> on student-<name>, all checks passing) (2)",
      "every student's avatar is on the shared page (/avatars/workshop-<name>) (2)",
    ]);
  });

  test('not in classroom mode: every check fails, saying how to start it', () => {
    const f = failures(expectFail('classroom', healthyLab()));
    expect(f).toHaveLength(5);
    for (const line of f) expect(line).toMatch(/npm run lab:up -- --classroom/);
    expect(f[0]).toMatch(/^the lab runs in classroom mode \(Consul's ACLs on\) — ACLs are off/);
  });

  test('no student yet: the join command', () => {
    const f = failures(expectFail('classroom', room([])));
    expect(f).toHaveLength(4);
    expect(f[0]).toBe(
      'at least one student has joined (a node student-<name>) — students run the command lab:up printed: `npm run lab:join -- <address> --code <code> --name <github-account>`',
    );
    for (const line of f.slice(1)) expect(line).toMatch(/\(no student yet\) — students run the command lab:up printed/);
  });

  test("a dead agent, a failing API, an instance on someone else's node, an avatar missing: each named with why", () => {
    const f = failures(
      expectFail(
        'classroom',
        room([
          student('alice'),
          student('bob', { serf: 'critical' }),
          student('carol', { api: 'critical' }),
          student('dave', { api: 'gone' }),
          student('erin', { apiNode: 'student-alice' }),
          student('frank', { onPage: false }),
        ]),
      ),
    );
    expect(f).toEqual([
      expect.stringMatching(/^every student's agent is alive .* \(1 of 6 not\) — bob \(serfHealth critical\) — .*npm run lab:roster/),
      "every student's API passes (workshop-<name> on student-<name>, all checks passing) (4 of 6 not) — " +
        'bob (agent down), carol (check critical), dave (not registered), erin (only on node student-alice) — ' +
        "on that student's machine `docker compose -p lab-student logs workshop-api`; `npm run lab:roster` says why for each",
      expect.stringMatching(
        /^every student's avatar is on the shared page .* \(4 of 6 not\) — bob \(not there\), carol \(not there\), dave \(not there\), frank \(not there\) — .*TCP 8081.*npm run lab:roster/,
      ),
    ]);
  });

  test('a node name from Consul that is no GitHub login is shown quoted and escaped, never raw', () => {
    const odd = 'x\u001b[2J\u202e"evil\\';
    const r = expectFail('classroom', room([student('alice'), { name: odd, serf: 'passing', api: 'gone', onPage: false }]));
    const text = [...failures(r), ...r.checks.map((c) => c.label)].join(' | ');
    expect(text).toContain('"x\\u001b[2J\\u202e\\u0022evil\\u005c" (not a GitHub login, so no API of its own)');
    // eslint-disable-next-line no-control-regex -- that is what must not be there
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(shownName('a'.repeat(45) + '!')).toBe(`"${'a'.repeat(40)}"…`);
    expect(shownName('alice')).toBe('alice');
  });

  test('unreadable parts fail only the checks that need them, saying what could not be read', () => {
    const facts = factsOfRoom([student('alice')]);
    const r = checkExercise('classroom', { ...facts, studentInstances: { ok: false, error: 'HTTP 500' } });
    expect(failures(r)).toEqual([`every student's API passes — could not read the students' workshop instances: HTTP 500`]);
    const r2 = checkExercise('classroom', { ...facts, classroom: { ok: false, error: 'HTTP 403: Permission denied' } });
    expect(failures(r2)).toHaveLength(5);
    for (const line of failures(r2)) expect(line).toMatch(/could not read whether Consul's ACLs are on: HTTP 403/);
  });

  function factsOfRoom(students: StudentState[]): LabFacts {
    return factsOf(room(students));
  }
});
