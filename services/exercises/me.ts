/*
 * README "A student" → `npm run lab:check -- me`: a student's own machine in the class, from its own side: its node
 * in the catalog, its API passing, its check bound to the service (not the node's) and its avatar on the
 * instructor's page. Pure checks over StudentFacts, which scripts/lib/classroom/studentFacts.ts gathers from the
 * student's own agent (with the student's token) and the page.
 */
import { check, CheckResult } from './check';
import { CheckFact, Known } from './facts';

/** What `lab:check` takes for this check: not a row of table.ts, since it reads a student's machine, not the lab. */
export const ME_EXERCISE = 'me';
export const ME_TITLE = 'my machine in the class: joined, my API passing, my check on my service, my avatar on the page';

/** A student's machine as lab:check -- me sees it. */
export interface StudentFacts {
  /** The student's name and the lab's names for it (student.json, checked against the naming rules). */
  name: string;
  nodeName: string;
  serviceId: string;
  /** The instructor's address (join info): for the join command in hints. */
  instructor: string;
  /** The student's Compose project, for the `docker compose -p` in hints. */
  project: string;
  /** The student's own agent, e.g. http://127.0.0.1:8500. */
  agentUrl: string;
  /** Where the instructor's Nginx reaches the student's API (LAN address:port), for the firewall hint. */
  apiAddress: string;
  /** The serf LAN port the instructor's servers gossip to (LAB_STUDENT_SERF_PORT), for the firewall hint. */
  serfPort: number;
  /** The instructor's shared page (join info). */
  page: string;
  /** Whether the student's node is in the catalog, as its own agent reads it. */
  node: Known<boolean>;
  /** Every check of the student's node (serfHealth, the service's, any node-level one), as its own agent reads them. */
  checks: Known<CheckFact[]>;
  /** Whether the instructor's page links the student's avatar. */
  onPage: Known<boolean>;
}

/** The line `lab:check -- me` prints, and its exit 1, on a machine that never joined (no student.json). */
export const NOT_JOINED =
  'not joined: run npm run lab:join -- <instructor address> --code <code> --pin <pin> --name <github-account> (the line the instructor shows)';

function joinAgain(f: StudentFacts): string {
  return `npm run lab:join -- ${f.instructor} --code <code> --pin <pin> --name ${f.name}`;
}

function agentDown(f: StudentFacts, error: string): string {
  return `your agent at ${f.agentUrl} does not answer (${error}): \`docker compose -p ${f.project} ps\` shows your stack; ${joinAgain(f)} starts it`;
}

/** The checks that belong to the node and are not serfHealth: a workshop check registered without its ServiceID. */
function nodeLevelChecks(checks: CheckFact[]): CheckFact[] {
  return checks.filter((c) => c.serviceId === '' && c.checkId !== 'serfHealth');
}

function joined(f: StudentFacts): CheckResult {
  const label = `joined: node ${f.nodeName} in the catalog (your agent at ${f.agentUrl})`;
  if (!f.node.ok) return check(false, label, agentDown(f, f.node.error));
  return check(
    f.node.value,
    label,
    `your agent has not joined the class: \`docker compose -p ${f.project} logs student-agent\` says why; ${joinAgain(f)} starts it again`,
  );
}

function apiPassing(f: StudentFacts): CheckResult {
  const label = `my API passes (${f.serviceId}: its check and my node's serfHealth passing)`;
  if (!f.checks.ok) return check(false, label, agentDown(f, f.checks.error));
  const mine = f.checks.value.filter((c) => c.serviceId === f.serviceId);
  const logs = `\`docker compose -p ${f.project} logs workshop-api\` says why`;
  if (mine.length === 0)
    return check(false, `${label}: not registered`, `${logs}; \`docker compose -p ${f.project} up -d workshop-api\` starts it again`);
  const serf = f.checks.value.find((c) => c.checkId === 'serfHealth');
  if (serf && serf.status !== 'passing')
    return check(
      false,
      `${label}: serfHealth ${serf.status}`,
      `the instructor's servers cannot reach this machine back: allow incoming TCP+UDP ${f.serfPort} in this machine's firewall`,
    );
  const bad = [...mine, ...nodeLevelChecks(f.checks.value)].find((c) => c.status !== 'passing');
  return check(
    !bad,
    bad ? `${label}: ${bad.checkId} ${bad.status}` : label,
    `${logs} (is it running? \`docker compose -p ${f.project} ps\`)`,
  );
}

function serviceLevel(f: StudentFacts): CheckResult {
  const label = `my check is on my service (ServiceID ${f.serviceId}), not on my node`;
  if (!f.checks.ok) return check(false, label, agentDown(f, f.checks.error));
  const stray = nodeLevelChecks(f.checks.value);
  if (stray.length)
    return check(
      false,
      `${label}: ${stray.map((c) => c.checkId).join(', ')} has no ServiceID`,
      `a check without a ServiceID is the node's, and a failing one takes every service on ${f.nodeName} off the page: \`docker compose -p ${f.project} up -d --force-recreate workshop-api\` (a clean stop removes its node-level check; your stack registers the check inside the service definition, --check-scope service)`,
    );
  const mine = f.checks.value.some((c) => c.serviceId === f.serviceId);
  return check(
    mine,
    mine ? label : `${label}: ${f.serviceId} has no check`,
    `\`docker compose -p ${f.project} up -d --force-recreate workshop-api\` registers it with its check again`,
  );
}

function onPage(f: StudentFacts, apiOk: boolean): CheckResult {
  const label = `my avatar is on the instructor's page (${f.page})`;
  if (!f.onPage.ok)
    return check(false, label, `the page does not answer (${f.onPage.error}): are you on the room's network? is the instructor's lab up?`);
  return check(
    f.onPage.value,
    label,
    apiOk
      ? `your API passes but the instructor's Nginx cannot reach it at ${f.apiAddress}: allow incoming TCP on that port in this machine's firewall (a guest Wi-Fi that isolates clients blocks it)`
      : 'only a passing API is on the page: fix the ✗ above first',
  );
}

export function meChecks(f: StudentFacts): CheckResult[] {
  const api = apiPassing(f);
  return [joined(f), api, serviceLevel(f), onPage(f, api.ok)];
}
