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

/**
 * The room's other laptops: ONE machine (one engine) that holds every lighter student. Each of them keeps its own
 * address on the LAN (a secondary address of this machine), its own agent, API, Compose project, state dir and
 * 127.0.0.1 UI port, and runs the same lab:join a person runs; they share the engine, the images and the kernel.
 */
export const ROOM_MACHINE = 'classroom-room';
export const ROOM_MACHINE_ADDRESS = `${LAN_PREFIX}.99`;
/** How many students get a machine of their own by default (the rest share ROOM_MACHINE). */
export const DEFAULT_FULL_STUDENTS = 2;
/** A lighter student's own agent UI on the room machine's 127.0.0.1: this + its index. */
export const LIGHT_HTTP_PORT_BASE = 18500;

/** The instructor machine's port the host reaches the lab view on (sim/loopbackForward.ts, from the LAN gateway only). */
export const INSTRUCTOR_VIEW_FORWARD_PORT = 18090;
/** The forwarder's container (in the instructor machine's network namespace) and its SIM_LABEL value. */
export const VIEW_FORWARD_CONTAINER = 'classroom-view-forward';
export const VIEW_FORWARD_ROLE = 'view-forward';
/** The lab view inside the instructor's machine (lab:up's LAB_VIEW_PORT default, 127.0.0.1 only). */
export const INSTRUCTOR_VIEW_PORT = 8090;

// GitHub-valid logins (GITHUB_LOGIN), short and distinct; after these, student<N>.
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj'];

export interface StudentSlot {
  /** 1-based. */
  index: number;
  /** full: a machine (an engine) of its own; light: one of ROOM_MACHINE's students. */
  fidelity: 'full' | 'light';
  /** The student's GitHub account name (lab:join --name). */
  name: string;
  container: string;
  address: string;
  /** Consul node and service ID lab:join registers. */
  nodeName: string;
  serviceId: string;
  /** What lab:join runs with on that machine: its own state dir, Compose project and UI port (light students share a machine). */
  env: string[];
}

/** Student `index` (1-based); the first `full` of a room get a machine of their own. */
export function studentSlot(index: number, full = DEFAULT_FULL_STUDENTS): StudentSlot {
  if (!Number.isInteger(index) || index < 1 || index > MAX_STUDENTS) throw new Error(`student index ${index} is not 1-${MAX_STUDENTS}`);
  const name = NAMES[index - 1] ?? `student${index}`;
  const base = { index, name, address: `${LAN_PREFIX}.${100 + index}`, nodeName: studentNodeName(name), serviceId: studentServiceId(name) };
  if (index <= full)
    return { ...base, fidelity: 'full', container: `classroom-student-${index}`, env: [`LAB_STUDENT_DIR=${STUDENT_DIR_IN_MACHINE}`] };
  return {
    ...base,
    fidelity: 'light',
    container: ROOM_MACHINE,
    env: [
      `LAB_STUDENT_DIR=${STUDENT_DIR_IN_MACHINE}/${name}`,
      `LAB_STUDENT_PROJECT=lab-student-${name}`,
      `LAB_STUDENT_HTTP_PORT=${LIGHT_HTTP_PORT_BASE + index}`,
    ],
  };
}

/** Students `from`..`from + count - 1` of a room whose first `full` have machines of their own. */
export function studentSlots(count: number, full = DEFAULT_FULL_STUDENTS, from = 1): StudentSlot[] {
  return Array.from({ length: count }, (_, i) => studentSlot(from + i, full));
}

/** The per-machine volume that holds its engine's data (/var/lib/docker). */
export function machineVolume(container: string): string {
  return `${container}-docker`;
}
