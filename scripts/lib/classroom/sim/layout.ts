// The simulated classroom's fixed layout: names, addresses and paths that the simulation, its e2e test and
// `down` all agree on. Pure data and small functions (unit-tested in layout.test.ts).
import { studentNodeName, studentServiceId } from '../../../../services/shared/names';

/** Every container, network and volume the simulation makes carries this label (value = what it is). */
export const SIM_LABEL = 'lab.classroom-sim';

/** The venue LAN: one Docker bridge network on the host that every simulated machine sits on. */
export const LAN_NETWORK = 'lab-classroom-lan';
export const LAN_PREFIX = '10.213.80';
export const LAN_SUBNET = `${LAN_PREFIX}.0/24`;
export const LAN_GATEWAY = `${LAN_PREFIX}.1`;

export const GITHUB_CONTAINER = 'classroom-github';
export const GITHUB_ADDRESS = `${LAN_PREFIX}.5`;
/** What the students' workshop-api uses as its GitHub API (`lab:join --github-api`). */
export const GITHUB_API = `http://${GITHUB_ADDRESS}`;

export const INSTRUCTOR_CONTAINER = 'classroom-instructor';
export const INSTRUCTOR_ADDRESS = `${LAN_PREFIX}.10`;
/** Addresses the e2e test may give its own containers on the LAN (e.g. an agent without the gossip key). */
export const SPARE_ADDRESS_FIRST = `${LAN_PREFIX}.50`;

/** The machine image (images/machine/Dockerfile). */
export const MACHINE_IMAGE = 'consul-lab/machine:offline';

/** Inside a machine: where the repo, node and the Compose plugin are mounted. */
export const LAB_IN_MACHINE = '/lab';
export const NODE_IN_MACHINE = '/usr/local/bin/node';
export const COMPOSE_PLUGIN_IN_MACHINE = '/usr/local/lib/docker/cli-plugins/docker-compose';
/** LAB_CLASSROOM_DIR on the instructor's machine (secrets.json, management.token, join.json). */
export const CLASSROOM_DIR_IN_MACHINE = '/var/lib/lab-classroom';
/** LAB_STUDENT_DIR on a student's machine (student.json: name, token, join info). */
export const STUDENT_DIR_IN_MACHINE = '/var/lib/lab-student';
/** Where the simulation puts the join.json it copied from the instructor's machine (what a USB stick would do). */
export const JOIN_FILE_IN_MACHINE = '/var/lib/lab-join/join.json';

/** The instructor's LAN ports the host reaches through 127.0.0.1 (the room's API, read-only; the shared page). */
export const INSTRUCTOR_ROOM_API_PORT = 8500;
export const INSTRUCTOR_PAGE_PORT = 8080;

export const MAX_STUDENTS = 99;

// GitHub-valid logins (GITHUB_LOGIN), short and distinct; after these, student<N>.
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj'];

export interface StudentSlot {
  /** 1-based. */
  index: number;
  /** The student's GitHub account name (lab:join --name). */
  name: string;
  container: string;
  address: string;
  /** Consul node and service ID lab:join registers. */
  nodeName: string;
  serviceId: string;
}

export function studentSlot(index: number): StudentSlot {
  if (!Number.isInteger(index) || index < 1 || index > MAX_STUDENTS) throw new Error(`student index ${index} is not 1-${MAX_STUDENTS}`);
  const name = NAMES[index - 1] ?? `student${index}`;
  return {
    index,
    name,
    container: `classroom-student-${index}`,
    address: `${LAN_PREFIX}.${100 + index}`,
    nodeName: studentNodeName(name),
    serviceId: studentServiceId(name),
  };
}

export function studentSlots(count: number): StudentSlot[] {
  return Array.from({ length: count }, (_, i) => studentSlot(i + 1));
}

/** The per-machine volume that holds its engine's data (/var/lib/docker). */
export function machineVolume(container: string): string {
  return `${container}-docker`;
}
