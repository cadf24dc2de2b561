// The classroom's ACL objects, created by `lab:up --classroom` once the cluster is up, with the management token
// (which Consul bootstrapped itself from acl.tokens.initial_management). Idempotent: a second lab:up finds them
// and changes nothing (or puts back rules someone edited).
// Over the HTTP API with fetch: the `consul` npm client (2.x) has no ACL policy or token endpoints.
import { sleep } from '../../../services/shared/async';
import { DEFAULT_PROJECT } from '../docker/labContainers';
import { ANONYMOUS_READ_POLICY, ANONYMOUS_READ_RULES, ANONYMOUS_TOKEN_ACCESSOR } from '../../../services/enrollment/names';

export interface AclSetupOptions {
  /** An agent's HTTP API, e.g. http://127.0.0.1:8500. */
  consulUrl: string;
  managementToken: string;
  /** Until the ACL system answers (a new cluster needs a leader first). */
  timeoutMs?: number;
  /** One line per object created or changed. */
  say?: (line: string) => void;
}

interface Policy {
  ID: string;
  Name: string;
  Rules?: string;
}
interface Token {
  AccessorID: string;
  Description?: string;
  Policies?: Array<{ ID: string; Name: string }>;
}

/**
 * The one classroom policy. Students' tokens need none: the enrollment service gives each a node identity and a
 * service identity of its own (services/enrollment/names.ts studentTokenIdentities). A `lab-student` policy left by
 * an earlier version is attached to no new token and harmless, so it is left alone.
 */
export const CLASSROOM_POLICIES: ReadonlyArray<{ name: string; rules: string; description: string }> = [
  {
    name: ANONYMOUS_READ_POLICY,
    rules: ANONYMOUS_READ_RULES,
    description: 'the room may read nodes, services and the raft state, never write',
  },
];

export class AclRequestError extends Error {
  override name = 'AclRequestError';
  constructor(
    readonly status: number,
    what: string,
    detail: string,
  ) {
    super(`${what}: HTTP ${status}${detail ? ` (${detail.trim().split('\n')[0]!.slice(0, 160)})` : ''}`);
  }
}

function client(opts: AclSetupOptions) {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${opts.consulUrl}${path}`, {
      method,
      headers: { 'X-Consul-Token': opts.managementToken, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new AclRequestError(res.status, `${method} ${path}`, await res.text().catch(() => ''));
    return (await res.json()) as T;
  };
}

/** The policies and the anonymous token's link to lab-anonymous-read; returns what it changed. */
export async function setUpClassroomAcls(opts: AclSetupOptions): Promise<string[]> {
  const call = client(opts);
  const say = opts.say ?? (() => undefined);
  // The ACL system answers once a leader has bootstrapped it: "ACL system must be bootstrapped" / no leader
  // (500) or "ACL not found" (403) until the management token is replicated. Retry those, not other errors.
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let policies: Policy[];
  for (;;) {
    try {
      policies = await call<Policy[]>('GET', '/v1/acl/policies');
      break;
    } catch (err) {
      const retryable = !(err instanceof AclRequestError) || err.status === 500 || err.status === 403;
      if (!retryable || Date.now() > deadline) throw new Error(`the ACL system did not answer: ${(err as Error).message}`, { cause: err });
      await sleep(1000);
    }
  }

  const changed: string[] = [];
  for (const p of CLASSROOM_POLICIES) {
    const existing = policies.find((x) => x.Name === p.name);
    if (!existing) {
      await call('PUT', '/v1/acl/policy', { Name: p.name, Rules: p.rules, Description: p.description });
      changed.push(`policy ${p.name} created`);
    } else {
      const full = await call<Policy>('GET', `/v1/acl/policy/${existing.ID}`);
      if (full.Rules !== p.rules) {
        await call('PUT', `/v1/acl/policy/${existing.ID}`, { ID: existing.ID, Name: p.name, Rules: p.rules, Description: p.description });
        changed.push(`policy ${p.name} rules put back`);
      }
    }
  }

  const anon = await call<Token>('GET', `/v1/acl/token/${ANONYMOUS_TOKEN_ACCESSOR}`);
  if (!(anon.Policies ?? []).some((p) => p.Name === ANONYMOUS_READ_POLICY)) {
    await call('PUT', `/v1/acl/token/${ANONYMOUS_TOKEN_ACCESSOR}`, {
      AccessorID: ANONYMOUS_TOKEN_ACCESSOR,
      Description: anon.Description ?? 'Anonymous Token',
      Policies: [...(anon.Policies ?? []).map((p) => ({ Name: p.Name })), { Name: ANONYMOUS_READ_POLICY }],
    });
    changed.push(`anonymous token: ${ANONYMOUS_READ_POLICY} attached`);
  }
  for (const c of changed) say(c);
  return changed;
}

interface KeyringPool {
  WAN: boolean;
  Segment?: string;
  Keys: Record<string, number>;
  PrimaryKeys?: Record<string, number>;
}

/**
 * The running cluster gossips with `gossipKey`. Consul keeps its keyring in the data dir and then ignores
 * `encrypt`: Consul data from an earlier classroom (other secrets) would keep the old key while join.json hands out
 * the new one, and every student's agent would be refused ("No installed keys could decrypt the message").
 */
export async function verifyGossipKey(consulUrl: string, managementToken: string, gossipKey: string, project: string): Promise<void> {
  // The keyring query fans out to every member over gossip; right after start, on a loaded machine, one member can
  // miss it and Consul answers 500 ("1 error occurred"). Seen once in a 12-student simulation: retry for ~20 s.
  let res: Response;
  for (let attempt = 1; ; attempt++) {
    res = await fetch(`${consulUrl}/v1/operator/keyring`, {
      headers: { 'X-Consul-Token': managementToken },
      signal: AbortSignal.timeout(10_000),
    });
    if (res.ok || res.status !== 500 || attempt >= 10) break;
    await res.text().catch(() => '');
    await sleep(2000);
  }
  if (!res.ok) throw new AclRequestError(res.status, 'GET /v1/operator/keyring', await res.text().catch(() => ''));
  const pools = ((await res.json()) as KeyringPool[]).filter((p) => !p.WAN);
  const primary = (p: KeyringPool): string[] => Object.keys(p.PrimaryKeys ?? p.Keys);
  if (pools.length === 0 || pools.some((p) => !primary(p).includes(gossipKey))) {
    const down = project === DEFAULT_PROJECT ? 'npm run lab:down -- -v' : `npm run lab:down -- -p ${project} -v`;
    throw new Error(
      `the lab's Consul data gossips with another key than this classroom's (its keyring is from an earlier classroom), so students' agents would be refused: run \`${down}\`, then lab:up --classroom again`,
    );
  }
}
