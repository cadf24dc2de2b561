/*
 * README "Run it for a room" → "The instructor": the lab in classroom mode (Consul's ACLs on) and every student
 * joined, their agent alive, their own API passing and their avatar on the shared page.
 */
import { STUDENT_NAME, studentNodeName, studentServiceId } from '../shared/names';
import { check, CheckResult, NODE_CHECKS, on, PAGE, serfOf } from './check';
import { CheckFact, ClassroomFact, LabFacts } from './facts';

const CLASSROOM_MODE = "whether Consul's ACLs are on";
const STUDENT_INSTANCES = "the students' workshop instances";
const START_CLASSROOM = 'start it so: `npm run lab:up -- --classroom`';
const ROSTER = '`npm run lab:roster` says why for each';

/** How many names a label or hint lists before "and N more": a room does not fit on one line. */
const NAMES_SHOWN = 8;

/**
 * A student's name as shown. Names come from Consul (a node `student-<name>`, registered by whoever could):
 * a GitHub login (letters, digits, hyphens) as it is; anything else quoted with every character outside
 * printable ASCII, the quote and the backslash \u-escaped, at most 40 of them: one safe token on a terminal
 * and in the lab view alike. (lab:check's renderer escapes its whole lines again: terminalText.ts.)
 */
export function shownName(name: string): string {
  if (STUDENT_NAME.test(name)) return name;
  const head = Array.from(name.slice(0, 82)).slice(0, 40).join('');
  const escaped = head.replace(/[^\x20-\x7e]|["\\]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${escaped}"${head.length < name.length ? '…' : ''}`;
}

function studentList(items: string[]): string {
  const more = items.length - NAMES_SHOWN;
  return items.slice(0, NAMES_SHOWN).join(', ') + (more > 0 ? ` and ${more} more` : '');
}

/** A check that needs classroom mode: not in it → ✗ saying how to start it. */
function inClassroom(f: LabFacts, label: string, fn: (c: ClassroomFact) => CheckResult): CheckResult {
  return on(f.classroom, CLASSROOM_MODE, label, (c) =>
    c.acls ? fn(c) : check(false, label, `the lab is not in classroom mode: ${START_CLASSROOM}`),
  );
}

const JOIN = 'students run the command lab:up printed: `npm run lab:join -- <address> --code <code> --name <github-account>`';

/** A check over every student: ✗ when none joined yet, else ✗ naming the students `why` finds something about. */
function everyStudent(f: LabFacts, label: string, why: (name: string, c: ClassroomFact) => string | undefined, hint: string): CheckResult {
  return inClassroom(f, label, (c) => {
    if (c.students.length === 0) return check(false, `${label} (no student yet)`, JOIN);
    const bad = c.students.flatMap((n) => {
      const w = why(n, c);
      return w === undefined ? [] : [`${shownName(n)} (${w})`];
    });
    return check(
      bad.length === 0,
      bad.length ? `${label} (${bad.length} of ${c.students.length} not)` : `${label} (${c.students.length})`,
      `${studentList(bad)} — ${hint}`,
    );
  });
}

export function classroom(f: LabFacts): CheckResult[] {
  const modeLabel = "the lab runs in classroom mode (Consul's ACLs on)";
  const joinedLabel = 'at least one student has joined (a node student-<name>)';
  const serf = (name: string): CheckFact | undefined => (f.nodeChecks.ok ? serfOf(f.nodeChecks.value, studentNodeName(name)) : undefined);
  const instances = f.studentInstances.ok ? f.studentInstances.value : [];
  return [
    on(f.classroom, CLASSROOM_MODE, modeLabel, (c) => check(c.acls, modeLabel, `ACLs are off: ${START_CLASSROOM}`)),
    inClassroom(f, joinedLabel, (c) =>
      check(c.students.length > 0, c.students.length ? `${joinedLabel}: ${studentList(c.students.map(shownName))}` : joinedLabel, JOIN),
    ),
    !f.nodeChecks.ok
      ? check(false, "every student's agent is alive", `could not read ${NODE_CHECKS}: ${f.nodeChecks.error}`)
      : everyStudent(
          f,
          "every student's agent is alive (serfHealth of student-<name> passing)",
          (n) => {
            const s = serf(n);
            return !s ? 'no serfHealth' : s.status === 'passing' ? undefined : `serfHealth ${s.status}`;
          },
          `their agents must run and reach every machine's gossip port (README "Troubleshooting the room"); ${ROSTER}`,
        ),
    !f.studentInstances.ok
      ? check(false, "every student's API passes", `could not read ${STUDENT_INSTANCES}: ${f.studentInstances.error}`)
      : everyStudent(
          f,
          "every student's API passes (workshop-<name> on student-<name>, all checks passing)",
          (n) => {
            if (!STUDENT_NAME.test(n)) return 'not a GitHub login, so no API of its own';
            const withId = instances.filter((i) => i.id === studentServiceId(n));
            const mine = withId.find((i) => i.node === studentNodeName(n));
            if (!mine) return withId.length ? `only on node ${shownName(withId[0]!.node)}` : 'not registered';
            const bad = mine.checks.find((c) => c.status !== 'passing');
            return !bad ? undefined : bad.checkId === 'serfHealth' ? 'agent down' : `check ${bad.status}`;
          },
          `on that student's machine \`docker compose -p lab-student logs workshop-api\`; ${ROSTER}`,
        ),
    on(f.page, PAGE, "every student's avatar is on the shared page", (page) =>
      everyStudent(
        f,
        "every student's avatar is on the shared page (/avatars/workshop-<name>)",
        (n) => (page.avatarLinks.includes(studentServiceId(n)) ? undefined : 'not there'),
        `an API not passing is not shown; a passing one not shown means the instructor's Nginx cannot reach the student's TCP 8081 (firewall, client isolation); ${ROSTER}`,
      ),
    ),
  ];
}
