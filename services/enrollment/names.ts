/*
 * The classroom's ACL and naming rules, as other code may rely on them (lab:up's ACL set-up, lab:roster,
 * lab:join, tests). No side effects, and its only import is the pure naming rules in services/shared, so importing
 * this never loads the service itself.
 */
import { studentNodeName, studentServiceName } from '../shared/classroomNames';

/** Where the enrollment service listens (on the instructor's host-a, published on the LAN address). */
export const ENROLL_PORT = 8099;

/** Attached to the anonymous token: the room may look at everything and write nothing (anonymous write → 403). */
export const ANONYMOUS_READ_POLICY = 'lab-anonymous-read';
// operator read: the raft peers and leader (addresses every student's join info has anyway), which the lab view's
// checklist and `lab:status` show the room.
export const ANONYMOUS_READ_RULES = 'node_prefix "" { policy = "read" }\nservice_prefix "" { policy = "read" }\noperator = "read"\n';

/**
 * A student's token has no policy, only two identities: a node identity for `student-<name>` (write on its own node,
 * read on all services) and a service identity for `workshop-<name>` (write on that one service name, read on all
 * services and nodes). Consul authorises a catalog deregister of a ServiceID by write on that service's NAME, so
 * each student's instance is its own service `workshop-<name>` (ID the same): a shared `service "workshop" write`
 * would let any student deregister another's instance. The lab's own instances keep the name `workshop`, which no
 * student may write. (The `lab-student` policy of earlier versions is no longer created nor attached.)
 */
export function studentTokenIdentities(
  name: string,
  datacenter: string,
): { NodeIdentities: Array<{ NodeName: string; Datacenter: string }>; ServiceIdentities: Array<{ ServiceName: string }> } {
  return {
    NodeIdentities: [{ NodeName: studentNodeName(name), Datacenter: datacenter }],
    ServiceIdentities: [{ ServiceName: studentServiceName(name) }],
  };
}

/**
 * Consul's service identity also grants write on `<service>-sidecar-proxy`: with the names `x` and
 * `x-sidecar-proxy` both enrolled, `x` could write (and deregister) the other student's service. So a name ending
 * in this suffix is refused at enrollment (no GitHub account needs to join under one).
 */
export const SIDECAR_SUFFIX = '-sidecar-proxy';

/** The accessor ID Consul gives the anonymous token. */
export const ANONYMOUS_TOKEN_ACCESSOR = '00000000-0000-0000-0000-000000000002';

/** A student's token Description: how lab:roster and the name check find it. */
export function studentTokenDescription(name: string): string {
  return `lab student ${name}`;
}

/** The name in a token Description made by studentTokenDescription, else undefined. */
export function studentFromTokenDescription(description: string): string | undefined {
  const m = /^lab student (\S+)$/.exec(description);
  return m?.[1];
}

// The naming rules (student-<name>, workshop-<name>, the GitHub login rule) live in services/shared, where the
// exercise checks can use them too; re-exported so every import of them from here keeps working.
export { STUDENT_NAME, studentNodeName, studentServiceId, studentServiceName } from '../shared/classroomNames';
