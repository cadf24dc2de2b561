/*
 * The Consul endpoints the `consul` client (2.x) lacks, or that the lab calls from nothing but a URL: ACL tokens,
 * policies, auth methods, binding rules, login and logout; the keyring; raft; the leader; the catalog and health
 * calls the room needs. Each is one consulRequest with its schema (schemas.ts); errors are ConsulErrors.
 */
import { ConsulError } from './errors';
import { consulRequest, type ConsulTarget } from './http';
import {
  aclAuthMethodSchema,
  aclBindingRuleSchema,
  aclBindingRulesSchema,
  aclLoginSchema,
  aclPoliciesSchema,
  aclPolicySchema,
  aclTokenSchema,
  aclTokensSchema,
  anyAnswer,
  catalogNodeSchema,
  catalogServiceSchema,
  checksSchema,
  healthEntriesSchema,
  keyringSchema,
  leaderSchema,
  membersSchema,
  raftConfigurationSchema,
} from './schemas';

const enc = encodeURIComponent;

/**
 * undefined when the object does not exist: 404, or 403 "... does not exist" (Consul maps a missing token to 403
 * "token does not exist: ACL not found"; a bad caller token is a plain "ACL not found", which stays an error).
 */
export async function orMissing<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ConsulError && (err.status === 404 || (err.status === 403 && /does not exist/.test(err.body)))) return undefined;
    throw err;
  }
}

// ---- ACL ----------------------------------------------------------------------------------------------------

export const aclPolicies = (t: ConsulTarget) => consulRequest(t, { path: '/v1/acl/policies', schema: aclPoliciesSchema });
export const aclPolicy = (t: ConsulTarget, id: string) => consulRequest(t, { path: `/v1/acl/policy/${enc(id)}`, schema: aclPolicySchema });
/** Creates the policy, or updates policy `id` when given. */
export const putAclPolicy = (t: ConsulTarget, body: { Name: string; Rules: string; Description: string }, id?: string) =>
  consulRequest(t, {
    method: 'PUT',
    path: id ? `/v1/acl/policy/${enc(id)}` : '/v1/acl/policy',
    body: id ? { ID: id, ...body } : body,
    schema: anyAnswer,
  });

export const aclToken = (t: ConsulTarget, accessorId: string) =>
  consulRequest(t, { path: `/v1/acl/token/${enc(accessorId)}`, schema: aclTokenSchema });
/** Creates the token (`accessorId` undefined) or updates it. The body may carry a SecretID: errors never show a body. */
export const putAclToken = (t: ConsulTarget, body: object, accessorId?: string) =>
  consulRequest(t, { method: 'PUT', path: accessorId ? `/v1/acl/token/${enc(accessorId)}` : '/v1/acl/token', body, schema: anyAnswer });
export const deleteAclToken = (t: ConsulTarget, accessorId: string) =>
  consulRequest(t, { method: 'DELETE', path: `/v1/acl/token/${enc(accessorId)}`, schema: anyAnswer });
/** The tokens an auth method made (secrets hidden without acl:write; expired ones are not listed). */
export const aclTokensOf = (t: ConsulTarget, authMethod: string, signal?: AbortSignal) =>
  consulRequest(t, { path: `/v1/acl/tokens?authmethod=${enc(authMethod)}`, schema: aclTokensSchema, signal });
/** The token `secret` itself (sent as its own X-Consul-Token). */
export const aclTokenSelf = (t: ConsulTarget, secret: string, signal?: AbortSignal) =>
  consulRequest(t, { path: '/v1/acl/token/self', token: secret, schema: aclTokenSchema, signal });

export const aclAuthMethod = (t: ConsulTarget, name: string) =>
  consulRequest(t, { path: `/v1/acl/auth-method/${enc(name)}`, schema: aclAuthMethodSchema });
/** Creates the method, or updates `name` when given. */
export const putAclAuthMethod = (t: ConsulTarget, body: object, name?: string) =>
  consulRequest(t, { method: 'PUT', path: name ? `/v1/acl/auth-method/${enc(name)}` : '/v1/acl/auth-method', body, schema: anyAnswer });
export const deleteAclAuthMethod = (t: ConsulTarget, name: string) =>
  consulRequest(t, { method: 'DELETE', path: `/v1/acl/auth-method/${enc(name)}`, schema: anyAnswer });

export const aclBindingRules = (t: ConsulTarget, authMethod: string) =>
  consulRequest(t, { path: `/v1/acl/binding-rules?authmethod=${enc(authMethod)}`, schema: aclBindingRulesSchema });
/** Creates the rule, or updates rule `id` when given. */
export const putAclBindingRule = (t: ConsulTarget, body: object, id?: string) =>
  consulRequest(t, {
    method: 'PUT',
    path: id ? `/v1/acl/binding-rule/${enc(id)}` : '/v1/acl/binding-rule',
    body: id ? { ID: id, ...body } : body,
    schema: id ? anyAnswer : aclBindingRuleSchema,
  });
export const deleteAclBindingRule = (t: ConsulTarget, id: string) =>
  consulRequest(t, { method: 'DELETE', path: `/v1/acl/binding-rule/${enc(id)}`, schema: anyAnswer });

/** Consul's login with a bearer token (a JWT) of `authMethod`; no token header at all. */
export const aclLogin = (
  t: ConsulTarget,
  body: { AuthMethod: string; BearerToken: string; Meta?: Record<string, string> },
  signal?: AbortSignal,
) => consulRequest(t, { method: 'POST', path: '/v1/acl/login', body, token: null, schema: aclLoginSchema, signal });
/** A login token logging itself out. */
export const aclLogout = (t: ConsulTarget, secret: string, signal?: AbortSignal) =>
  consulRequest(t, { method: 'POST', path: '/v1/acl/logout', token: secret, schema: anyAnswer, signal });

// ---- operator, status, agent -----------------------------------------------------------------------------------

export const keyring = (t: ConsulTarget) => consulRequest(t, { path: '/v1/operator/keyring', schema: keyringSchema });
/** `stale`: any server may answer, so this works without a leader. */
export const raftConfiguration = (t: ConsulTarget, stale = false) =>
  consulRequest(t, { path: `/v1/operator/raft/configuration${stale ? '?stale' : ''}`, schema: raftConfigurationSchema });
/** "ip:port" of the raft leader, "" when the cluster has none. */
export const leader = (t: ConsulTarget) => consulRequest(t, { path: '/v1/status/leader', schema: leaderSchema });
export const members = (t: ConsulTarget) => consulRequest(t, { path: '/v1/agent/members', schema: membersSchema });
/** Force `node` out of the gossip pool and prune it from the members. */
export const forceLeave = (t: ConsulTarget, node: string) =>
  consulRequest(t, { method: 'PUT', path: `/v1/agent/force-leave/${enc(node)}?prune=true`, schema: anyAnswer });

// ---- catalog and health ----------------------------------------------------------------------------------------

/** The node as the catalog has it; null when it has none (Consul answers 200 null, or 404). */
export async function catalogNode(t: ConsulTarget, node: string, signal?: AbortSignal): Promise<unknown> {
  const answer = await orMissing(consulRequest(t, { path: `/v1/catalog/node/${enc(node)}`, schema: catalogNodeSchema, signal }));
  return answer ?? null;
}
/** The catalog's instances of `service` (a `filter` expression narrows them). */
export const catalogService = (t: ConsulTarget, service: string, opts: { filter?: string; signal?: AbortSignal } = {}) =>
  consulRequest(t, {
    path: `/v1/catalog/service/${enc(service)}${opts.filter ? `?filter=${enc(opts.filter)}` : ''}`,
    schema: catalogServiceSchema,
    signal: opts.signal,
  });
/** Deregister `node` and everything on it from the catalog (Consul answers true for a node it does not have). */
export const catalogDeregister = (t: ConsulTarget, node: string) =>
  consulRequest(t, { method: 'PUT', path: '/v1/catalog/deregister', body: { Node: node }, schema: anyAnswer });

/** GET /v1/health/service/<name>: every instance with its checks; `stale` lets any server answer. */
export const serviceHealth = (t: ConsulTarget, service: string, opts: { stale?: boolean; what?: string } = {}) =>
  consulRequest(t, {
    path: `/v1/health/service/${enc(service)}${opts.stale ? '?stale' : ''}`,
    schema: healthEntriesSchema,
    what: opts.what,
  });

/**
 * The checks of `node` (GET /v1/health/node/<node>), a `filter` expression narrowing them: e.g. a student's service
 * check and the node's serfHealth, as lab:join asks (`ServiceID == "<id>" or ServiceID == ""`).
 */
export const nodeChecks = (t: ConsulTarget, node: string, filter?: string) =>
  consulRequest(t, { path: `/v1/health/node/${enc(node)}${filter ? `?filter=${enc(filter)}` : ''}`, schema: checksSchema });
