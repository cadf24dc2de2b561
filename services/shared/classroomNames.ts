/*
 * The classroom's naming rules: a student's name (a GitHub login), the Consul node of their agent and the
 * Consul service of their workshop-api. Pure, no imports: the enrollment service (services/enrollment/names.ts
 * re-exports these), lab:roster, lab:join and the exercise checks (services/shared/exercises) all use them, and
 * services/shared may not import from a service.
 */

/** The Consul node of a student's agent: `student-<name>`. */
export function studentNodeName(name: string): string {
  return `student-${name}`;
}

/** The student's name in a node name made by studentNodeName, else undefined (`student-` alone is no student). */
export function studentFromNodeName(node: string): string | undefined {
  const prefix = studentNodeName('');
  return node.startsWith(prefix) && node.length > prefix.length ? node.slice(prefix.length) : undefined;
}

/**
 * The Consul service NAME of a student's workshop-api: `workshop-<name>`, its own service (see
 * services/enrollment/names.ts studentTokenIdentities); workshop-api registers it with `--service workshop-<name>`
 * / WORKSHOP_SERVICE.
 */
export function studentServiceName(name: string): string {
  return `workshop-${name}`;
}

/** The Consul service ID of a student's workshop-api (workshop-api's own rule: `workshop-<name>`), the same as its name. */
export function studentServiceId(name: string): string {
  return studentServiceName(name);
}

/**
 * A GitHub login (the student's name): 1-39 of letters, digits and single inner hyphens. The same rule as
 * workshop-api's GITHUB_LOGIN (a service may not import another; a test keeps the two equal).
 */
export const STUDENT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
