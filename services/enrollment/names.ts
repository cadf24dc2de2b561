/*
 * The classroom's ACL and naming rules, as other code may rely on them (lab:up's ACL set-up, lab:roster,
 * lab:join, tests). No imports and no side effects, so importing this never loads the service itself.
 */

/** Where the enrollment service listens (on the instructor's host-a, published on the LAN address). */
export const ENROLL_PORT = 8099;

/** Attached to the anonymous token: the room may look at everything and write nothing (anonymous write → 403). */
export const ANONYMOUS_READ_POLICY = 'lab-anonymous-read';
export const ANONYMOUS_READ_RULES = 'node_prefix "" { policy = "read" }\nservice_prefix "" { policy = "read" }\n';

/**
 * Every student token has this policy, plus a node identity for `student-<name>` (node write on its own node
 * only). `service "workshop"` write is by service NAME, which all students share: a student can register its
 * workshop instance, and Consul would also let it deregister another student's instance by ServiceID through the
 * catalog API (that instance's agent puts it back at its next anti-entropy sync); deregistering another student's
 * NODE needs node write on it, which only that student has (403).
 */
export const STUDENT_POLICY = 'lab-student';
export const STUDENT_RULES =
  'service "workshop" { policy = "write" }\nservice_prefix "" { policy = "read" }\nnode_prefix "" { policy = "read" }\n';

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

/** The Consul node of a student's agent. */
export function studentNodeName(name: string): string {
  return `student-${name}`;
}

/** The Consul service ID of a student's workshop-api (workshop-api's own rule: `workshop-<name>`). */
export function studentServiceId(name: string): string {
  return `workshop-${name}`;
}

/**
 * A GitHub login (the student's name): 1-39 of letters, digits and single inner hyphens. The same rule as
 * workshop-api's GITHUB_LOGIN (a service may not import another; a test keeps the two equal).
 */
export const STUDENT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
