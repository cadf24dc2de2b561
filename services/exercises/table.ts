/*
 * The exercises, one row each: id (what `npm run lab:check <id>` takes), title, the README section it checks and
 * its checks. The one list of exercises: lab:check, the lab view's checklist and the tests all read it, and
 * table.test.ts keeps every anchor pointing at a README heading.
 */
import { CheckResult } from './check';
import { classroom } from './classroom';
import { discovery } from './ex1-discovery';
import { registration } from './ex2-registration';
import { nginx } from './ex3-nginx';
import { breaking } from './ex4-breaking';
import { hostFails } from './ex5-host-fails';
import { nodeCheckExercise } from './ex5-node-check';
import { withoutCode } from './ex6-without-code';
import { connectExercise } from './ex7-connect';
import { failoverExercise } from './ex8-failover';
import { LabFacts } from './facts';
import { labWhole } from './lab-whole';
import { ROOM_EXERCISE, roomExercise } from './room';

export interface Exercise {
  id: string;
  title: string;
  /** The README section it checks (GitHub's heading anchor). */
  anchor: string;
  /** Its checks on one snapshot of the lab, in the order they are shown. */
  checks: (facts: LabFacts) => CheckResult[];
}

/** The room's exercise (README "Run it for a room"): only a lab in classroom mode can pass it. */
export const CLASSROOM_EXERCISE = 'classroom';

/** The room exercises (README "The room exercises"): the lab view's memory of the room, read by `lab:check room`. */
export { ROOM_EXERCISE };

export const DEFAULT_EXERCISE = 'lab';

/** In the order `lab:check` lists them; `lab` is the default (no argument). */
export const EXERCISES: readonly Exercise[] = [
  { id: DEFAULT_EXERCISE, title: 'The lab is up and whole', anchor: '#topology-servers-and-hosts', checks: labWhole },
  { id: '1', title: 'Discovery and high availability', anchor: '#1-discovery-and-high-availability-with-consul-demo', checks: discovery },
  { id: '2', title: 'Registration and health checks', anchor: '#2-registration-and-health-checks-with-workshop-api', checks: registration },
  { id: '3', title: 'Nginx and consul-template', anchor: '#3-nginx-and-consul-template', checks: nginx },
  { id: '4', title: 'Breaking things: an API instance down', anchor: '#4-breaking-things-with-the-scripts', checks: breaking },
  { id: '5', title: 'A host fails', anchor: '#5-a-host-fails', checks: hostFails },
  { id: '5-node-check', title: "A host fails: the workshop's node-level check", anchor: '#5-a-host-fails', checks: nodeCheckExercise },
  {
    id: '6',
    title: 'Registration without code: the agent, by hand, the registrator',
    anchor: '#6-registration-without-code',
    checks: withoutCode,
  },
  { id: '7', title: 'Connect: mutual TLS and intentions', anchor: '#7-connect-mutual-tls-and-intentions', checks: connectExercise },
  {
    id: '8',
    title: 'Prepared queries and failover across datacenters',
    anchor: '#8-prepared-queries-and-failover-across-datacenters',
    checks: failoverExercise,
  },
  { id: CLASSROOM_EXERCISE, title: 'Every student joined, alive, passing and on the page', anchor: '#the-instructor', checks: classroom },
  {
    id: ROOM_EXERCISE,
    title: 'The room exercises: register, stop and start, the node-level mistake',
    anchor: '#the-room-exercises',
    checks: roomExercise,
  },
];

export function findExercise(id: string): Exercise | undefined {
  return EXERCISES.find((e) => e.id === id);
}
