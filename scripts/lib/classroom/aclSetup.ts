// The classroom's ACL objects, created by `lab:up --classroom` once the cluster has a leader, through server-1's HTTP
// with the management token (which Consul bootstrapped itself from acl.tokens.initial_management). Idempotent: a
// second run finds everything as it should be and changes nothing; whatever differs (edited by hand, an earlier
// version) is put back. Issue 18, least privilege:
// - policies lab-anonymous-read (on the anonymous token: the room reads, never writes) and lab-enrollment;
// - the instructor's preset tokens (classroomTokens.ts), created with exactly the AccessorID and SecretID lab:up
//   handed the containers, so no container holds the management token;
// - the students' JWT auth method lab-students, trusting the public half of the enrollment service's key, and its
//   binding rules: a student's token is a node identity student-<name> plus a service identity workshop-<name>.
// Through the gateway's endpoints (services/shared/consul/endpoints.ts): the `consul` npm client (2.x) has no ACL
// policy, token or auth-method endpoints.
import { createPublicKey } from 'node:crypto';
import { sleep } from '../../../services/shared/async';
import { ConsulError, firstLineOf } from '../../../services/shared/consul/errors';
import type { ConsulTarget } from '../../../services/shared/consul/http';
import {
  aclAuthMethod,
  aclBindingRules,
  aclPolicies,
  aclPolicy,
  aclToken,
  deleteAclAuthMethod,
  deleteAclBindingRule,
  deleteAclToken,
  keyring,
  orMissing,
  putAclAuthMethod,
  putAclBindingRule,
  putAclPolicy,
  putAclToken,
} from '../../../services/shared/consul/endpoints';
import type {
  ConsulAclAuthMethod,
  ConsulAclBindingRule,
  ConsulAclPolicy,
  ConsulAclToken,
  ConsulKeyringPool,
} from '../../../services/shared/consul/schemas';
import { DEFAULT_PROJECT } from '../docker/labContainers';
import {
  ANONYMOUS_READ_POLICY,
  ANONYMOUS_READ_RULES,
  ANONYMOUS_TOKEN_ACCESSOR,
  STUDENT_AUTH_METHOD,
  STUDENT_BINDING_RULES,
  studentAuthMethod,
} from '../../../services/enrollment/names';
import { ENROLLMENT_POLICY, ENROLLMENT_RULES, presetTokens, type PresetToken, type PresetTokenKey, type TokenIds } from './classroomTokens';

export interface AclSetupOptions {
  /** An agent's HTTP API, e.g. http://127.0.0.1:8501 (server-1's). */
  consulUrl: string;
  managementToken: string;
  /** The preset tokens' IDs (secrets.json `tokens`). */
  presetTokenIds: Record<PresetTokenKey, TokenIds>;
  /** The enrollment service's JWT signing key (secrets.json `enrollmentJwtKey`, PKCS#8 PEM): its public half goes to the auth method. */
  enrollmentJwtKey: string;
  datacenter: string;
  /** Until the ACL system answers (a new cluster needs a leader first). */
  timeoutMs?: number;
  /** One line per object created or changed (never a secret). */
  say?: (line: string) => void;
}

type Token = ConsulAclToken;
type AuthMethod = ConsulAclAuthMethod;
type BindingRule = ConsulAclBindingRule;

/**
 * The classroom's policies. Students' tokens need none: the auth method's binding rules give each a node identity
 * and a service identity of its own. A `lab-student` policy left by an earlier version is attached to no new token
 * and harmless, so it is left alone.
 */
export const CLASSROOM_POLICIES: ReadonlyArray<{ name: string; rules: string; description: string }> = [
  {
    name: ANONYMOUS_READ_POLICY,
    rules: ANONYMOUS_READ_RULES,
    description: 'the room may read nodes, services and the raft state, never write',
  },
  {
    name: ENROLLMENT_POLICY,
    rules: ENROLLMENT_RULES,
    description: "the enrollment service: lists the students' tokens (secrets hidden) and reads the catalog; writes nothing",
  },
];

/**
 * The management token's view of Consul: the gateway's endpoints, each error in set-up's own words
 * (`<method> <path>: HTTP <status> (<Consul's first line>)`, never a body: a token's SecretID travels in one).
 */
function client(opts: AclSetupOptions): ConsulTarget {
  return { baseUrl: opts.consulUrl, token: opts.managementToken, timeoutMs: 10_000 };
}

/** The call's result; a ConsulError with status reworded as set-up has always said it. */
async function worded<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ConsulError && err.status !== undefined) {
      throw err.withMessage(`${err.what}: HTTP ${err.status}${err.reason ? ` (${firstLineOf(err.body || err.reason, 160)})` : ''}`);
    }
    throw err;
  }
}

/** The spki PEM of the public half of `privateKeyPem`: what the auth method trusts. */
export function jwtPublicKeyPem(privateKeyPem: string): string {
  try {
    return createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    throw new Error('the enrollment JWT key (secrets.json enrollmentJwtKey) is not a readable private key');
  }
}

/** A Go duration as Consul prints it (`12h0m0s`, `1m30s`, `500ms`) or as we write it (`12h`), in ms; NaN if neither. */
export function goDurationMs(d: string | undefined): number {
  if (!d) return 0;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  let total = 0;
  let rest = d;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/.exec(rest);
    if (!m) return NaN;
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

const sorted = (xs: string[]): string => JSON.stringify([...xs].sort());

/** Whether `t` (as Consul returns it) is exactly `want`: same secret, description, identities and policies, nothing more. */
function tokenMatches(t: Token, want: PresetToken): boolean {
  return (
    t.SecretID === want.SecretID &&
    !t.Local &&
    !t.ExpirationTime &&
    !t.AuthMethod &&
    (t.Description ?? '') === want.Description &&
    (t.Roles ?? []).length === 0 &&
    (t.TemplatedPolicies ?? []).length === 0 &&
    sorted((t.Policies ?? []).map((p) => p.Name)) === sorted((want.Policies ?? []).map((p) => p.Name)) &&
    sorted((t.NodeIdentities ?? []).map((n) => `${n.NodeName}@${n.Datacenter}`)) ===
      sorted((want.NodeIdentities ?? []).map((n) => `${n.NodeName}@${n.Datacenter}`)) &&
    sorted((t.ServiceIdentities ?? []).map((s) => `${s.ServiceName}@${(s.Datacenters ?? []).join(',')}`)) ===
      sorted((want.ServiceIdentities ?? []).map((s) => `${s.ServiceName}@`))
  );
}

/** Whether the auth method in Consul is the lab's `want` (the fields the lab sets). */
function authMethodMatches(have: AuthMethod, want: Record<string, unknown>): boolean {
  const wc = want.Config as Record<string, unknown>;
  const hc = have.Config ?? {};
  const keys = (o: Record<string, unknown>): string[] => Object.keys(o).filter((k) => o[k] !== undefined && o[k] !== null && o[k] !== '');
  const norm = (v: unknown): string => JSON.stringify(Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x.trim() : x)) : v);
  return (
    have.Type === want.Type &&
    have.DisplayName === want.DisplayName &&
    have.Description === want.Description &&
    have.TokenLocality === want.TokenLocality &&
    goDurationMs(have.MaxTokenTTL) === goDurationMs(want.MaxTokenTTL as string) &&
    // Every config field the lab sets, the same, and no other (another key source, claim, or leeway widens who can log in).
    sorted(keys(hc)) === sorted(keys(wc)) &&
    Object.keys(wc).every((k) => norm(hc[k]) === norm(wc[k]))
  );
}

const ruleMatches = (r: BindingRule, want: (typeof STUDENT_BINDING_RULES)[number]): boolean =>
  r.BindType === want.BindType && r.BindName === want.BindName && !r.Selector && !r.BindVars && (r.Description ?? '') === want.Description;

/** Everything above, created or put back; returns what it changed (one line each, no secret). */
export async function setUpClassroomAcls(opts: AclSetupOptions): Promise<string[]> {
  const consul = client(opts);
  const say = opts.say ?? (() => undefined);
  const publicKey = jwtPublicKeyPem(opts.enrollmentJwtKey);
  // The ACL system answers once a leader has bootstrapped it: "ACL system must be bootstrapped" / no leader
  // (500) or "ACL not found" (403) until the management token is replicated. Retry those, not other errors.
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let policies: ConsulAclPolicy[];
  for (;;) {
    try {
      policies = await worded(aclPolicies(consul));
      break;
    } catch (err) {
      const retryable = !(err instanceof ConsulError) || err.status === undefined || err.status === 500 || err.status === 403;
      if (!retryable || Date.now() > deadline) throw new Error(`the ACL system did not answer: ${(err as Error).message}`, { cause: err });
      await sleep(1000);
    }
  }

  const changed: string[] = [];
  const changedNow = (line: string): void => {
    changed.push(line);
    say(line);
  };

  // Policies first: tokens link to them by name.
  for (const p of CLASSROOM_POLICIES) {
    const existing = policies.find((x) => x.Name === p.name);
    if (!existing) {
      await worded(putAclPolicy(consul, { Name: p.name, Rules: p.rules, Description: p.description }));
      changedNow(`policy ${p.name} created`);
    } else {
      const full = await worded(aclPolicy(consul, existing.ID));
      if (full.Rules !== p.rules) {
        await worded(putAclPolicy(consul, { Name: p.name, Rules: p.rules, Description: p.description }, existing.ID));
        changedNow(`policy ${p.name} rules put back`);
      }
    }
  }

  const anon = await worded(aclToken(consul, ANONYMOUS_TOKEN_ACCESSOR));
  if (!(anon.Policies ?? []).some((p) => p.Name === ANONYMOUS_READ_POLICY)) {
    await worded(
      putAclToken(
        consul,
        {
          AccessorID: ANONYMOUS_TOKEN_ACCESSOR,
          Description: anon.Description ?? 'Anonymous Token',
          Policies: [...(anon.Policies ?? []).map((p) => ({ Name: p.Name })), { Name: ANONYMOUS_READ_POLICY }],
        },
        ANONYMOUS_TOKEN_ACCESSOR,
      ),
    );
    changedNow(`anonymous token: ${ANONYMOUS_READ_POLICY} attached`);
  }

  for (const want of presetTokens(opts.presetTokenIds, opts.datacenter)) {
    const { key, ...body } = want;
    const have = await worded(orMissing(aclToken(consul, want.AccessorID)));
    if (!have) {
      await worded(putAclToken(consul, body));
      changedNow(`token ${key} created`);
    } else if (!tokenMatches(have, want)) {
      // An update cannot change a token's secret, locality or expiry: such a token is made again.
      if (have.SecretID !== want.SecretID || have.Local || have.ExpirationTime || have.AuthMethod) {
        await worded(deleteAclToken(consul, want.AccessorID));
        await worded(putAclToken(consul, body));
        changedNow(`token ${key} made again`);
      } else {
        await worded(putAclToken(consul, body, want.AccessorID));
        changedNow(`token ${key} put back`);
      }
    }
  }

  const method = studentAuthMethod(publicKey);
  const haveMethod = await worded(orMissing(aclAuthMethod(consul, STUDENT_AUTH_METHOD)));
  if (!haveMethod) {
    await worded(putAclAuthMethod(consul, method));
    changedNow(`auth method ${STUDENT_AUTH_METHOD} created`);
  } else if (!authMethodMatches(haveMethod, method)) {
    if (haveMethod.Type !== method.Type) {
      // Consul cannot change a method's type; deleting it also deletes its rules and its tokens (made again below).
      await worded(deleteAclAuthMethod(consul, STUDENT_AUTH_METHOD));
      await worded(putAclAuthMethod(consul, method));
      changedNow(`auth method ${STUDENT_AUTH_METHOD} made again`);
    } else {
      await worded(putAclAuthMethod(consul, method, STUDENT_AUTH_METHOD));
      changedNow(`auth method ${STUDENT_AUTH_METHOD} put back`);
    }
  }

  // The binding rules decide what every student token may write: exactly the lab's, none other.
  const rules = await worded(aclBindingRules(consul, STUDENT_AUTH_METHOD));
  const unmatched = rules.filter((r) => !STUDENT_BINDING_RULES.some((w) => ruleMatches(r, w)));
  for (const want of STUDENT_BINDING_RULES) {
    if (rules.some((r) => ruleMatches(r, want))) continue;
    const body = { AuthMethod: STUDENT_AUTH_METHOD, Description: want.Description, BindType: want.BindType, BindName: want.BindName };
    const wrong = unmatched.shift();
    if (wrong) {
      await worded(putAclBindingRule(consul, { Selector: '', ...body }, wrong.ID));
      changedNow(`binding rule ${want.BindType} ${want.BindName} put back`);
    } else {
      await worded(putAclBindingRule(consul, body));
      changedNow(`binding rule ${want.BindType} ${want.BindName} created`);
    }
  }
  for (const extra of unmatched) {
    await worded(deleteAclBindingRule(consul, extra.ID));
    changedNow(`binding rule ${extra.BindType} ${extra.BindName} removed (not the lab's)`);
  }
  return changed;
}

/**
 * The running cluster gossips with `gossipKey`. Consul keeps its keyring in the data dir and then ignores
 * `encrypt`: Consul data from an earlier classroom (other secrets) would keep the old key while join.json hands out
 * the new one, and every student's agent would be refused ("No installed keys could decrypt the message").
 */
export async function verifyGossipKey(consulUrl: string, managementToken: string, gossipKey: string, project: string): Promise<void> {
  // The keyring query fans out to every member over gossip; right after start, on a loaded machine, one member can
  // miss it and Consul answers 500 ("1 error occurred"). Seen once in a 12-student simulation: retry for ~20 s.
  const consul: ConsulTarget = { baseUrl: consulUrl, token: managementToken, timeoutMs: 10_000 };
  let pools: ConsulKeyringPool[];
  for (let attempt = 1; ; attempt++) {
    try {
      pools = (await worded(keyring(consul))).filter((p) => !p.WAN);
      break;
    } catch (err) {
      if (!(err instanceof ConsulError) || err.status !== 500 || attempt >= 10) throw err;
      await sleep(2000);
    }
  }
  const primary = (p: ConsulKeyringPool): string[] => Object.keys(p.PrimaryKeys ?? p.Keys);
  if (pools.length === 0 || pools.some((p) => !primary(p).includes(gossipKey))) {
    const down = project === DEFAULT_PROJECT ? 'npm run lab:down -- -v' : `npm run lab:down -- -p ${project} -v`;
    throw new Error(
      `the lab's Consul data gossips with another key than this classroom's (its keyring is from an earlier classroom), so students' agents would be refused: run \`${down}\`, then lab:up --classroom again`,
    );
  }
}
