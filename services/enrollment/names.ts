/*
 * The classroom's ACL and naming rules, as other code may rely on them (lab:up's ACL set-up, lab:roster,
 * lab:join, tests). No side effects, and its only imports are pure (the names of services/shared/names.ts, the
 * throttle's arithmetic), so importing this never loads the service itself.
 */
import { studentFromNodeName, studentNodeName, studentServiceName } from '../shared/names';
import { maxCheckWaitMs } from './codeThrottle';

/** Where the enrollment service listens (on the instructor's host-a, published on the LAN address). */
export const ENROLL_PORT = 8099;

/**
 * One deadline for all of a POST /v1/students' Consul calls (the default of the app's enrollDeadlineMs), counted from
 * the moment its code is accepted. lab:join's client waits longer (scripts/lib/classroom/enrollClient.ts).
 */
export const ENROLL_DEADLINE_MS = 15_000;

/**
 * The longest a request carrying a code may wait for its check with the default throttle (31 s, only while someone
 * hammers from the client's address). A client waits at least this (+ ENROLL_DEADLINE_MS for POST /v1/students).
 */
export const MAX_CODE_WAIT_MS = maxCheckWaitMs();

/** Attached to the anonymous token: the room may look at everything and write nothing (anonymous write → 403). */
export const ANONYMOUS_READ_POLICY = 'lab-anonymous-read';
// operator read: the raft peers and leader (addresses every student's join info has anyway), which the lab view's
// checklist and `lab:status` show the room.
export const ANONYMOUS_READ_RULES = 'node_prefix "" { policy = "read" }\nservice_prefix "" { policy = "read" }\noperator = "read"\n';

/**
 * Students' tokens come from this JWT auth method (issue 18, least privilege): the enrollment service signs a short
 * JWT for a name (its ES256 key; the public half is in the auth method) and exchanges it at POST /v1/acl/login for
 * the student's token. So the enrollment service holds no token that can write ACLs (in Consul CE `acl = "write"`
 * can mint a management token), and the binding rules below fix the shape of every token it can obtain: a node
 * identity student-<name> and a service identity workshop-<name>, expiring after STUDENT_TOKEN_TTL.
 */
export const STUDENT_AUTH_METHOD = 'lab-students';
/** Every student token expires (the auth method's MaxTokenTTL): a workshop day, not forever. */
export const STUDENT_TOKEN_TTL = '12h';
/** The JWT the enrollment service signs: issuer, audience and the claim holding the student's name. */
export const STUDENT_JWT = { issuer: 'lab-enrollment', audience: 'lab-classroom', nameClaim: 'lab_student', algorithm: 'ES256' } as const;

/** PUT /v1/acl/auth-method body for the students' auth method, validating JWTs with `publicKeyPem`. */
export function studentAuthMethod(publicKeyPem: string): Record<string, unknown> {
  return {
    Name: STUDENT_AUTH_METHOD,
    Type: 'jwt',
    DisplayName: 'lab students',
    Description: 'classroom students: tokens minted by the enrollment service, node student-<name> + service workshop-<name>',
    MaxTokenTTL: STUDENT_TOKEN_TTL,
    TokenLocality: 'local',
    Config: {
      JWTValidationPubKeys: [publicKeyPem],
      JWTSupportedAlgs: [STUDENT_JWT.algorithm],
      BoundIssuer: STUDENT_JWT.issuer,
      BoundAudiences: [STUDENT_JWT.audience],
      ClaimMappings: { [STUDENT_JWT.nameClaim]: 'name' },
    },
  };
}

/** The binding rules of STUDENT_AUTH_METHOD: what a student's token may write (its node, its service), nothing else. */
export const STUDENT_BINDING_RULES: ReadonlyArray<{ BindType: 'node' | 'service'; BindName: string; Description: string }> = [
  { BindType: 'node', BindName: studentNodeName('${value.name}'), Description: "a student's own node" },
  { BindType: 'service', BindName: studentServiceName('${value.name}'), Description: "a student's own service (its ID too)" },
];

/** The login Meta of a student's token (Consul puts it in the Description: `token created via login: {"student":"alice"}`). */
export function studentLoginMeta(name: string): Record<string, string> {
  return { student: name };
}

/**
 * The student a token belongs to, from a token as GET /v1/acl/tokens lists it: made by STUDENT_AUTH_METHOD, with the
 * node identity student-<name>. Anything else (the lab's own tokens, a token someone made by hand) is no student's.
 */
export function studentOfToken(token: unknown): string | undefined {
  if (token === null || typeof token !== 'object') return undefined;
  const t = token as { AuthMethod?: unknown; NodeIdentities?: unknown };
  if (t.AuthMethod !== STUDENT_AUTH_METHOD || !Array.isArray(t.NodeIdentities)) return undefined;
  for (const n of t.NodeIdentities as Array<{ NodeName?: unknown }>) {
    const name = typeof n?.NodeName === 'string' ? studentFromNodeName(n.NodeName) : undefined;
    if (name) return name;
  }
  return undefined;
}

/**
 * Consul's service identity also grants write on `<service>-sidecar-proxy`: with the names `x` and
 * `x-sidecar-proxy` both enrolled, `x` could write (and deregister) the other student's service. So a name ending
 * in this suffix is refused at enrollment (no GitHub account needs to join under one).
 */
export const SIDECAR_SUFFIX = '-sidecar-proxy';

/** The accessor ID Consul gives the anonymous token. */
export const ANONYMOUS_TOKEN_ACCESSOR = '00000000-0000-0000-0000-000000000002';

// The naming rules (student-<name>, workshop-<name>, the GitHub login rule) live in services/shared/names.ts, where
// the exercise checks can use them too; re-exported so every import of them from here keeps working.
export { STUDENT_NAME, studentNodeName, studentServiceId, studentServiceName } from '../shared/names';
