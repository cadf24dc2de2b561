/*
 * npm run lab:roster -- --free <name>: the instructor frees a student's name whose machine is gone (or that someone
 * else took), with the management token. Three steps, each one line: delete every token the lab-students auth method
 * made for that name, force the node student-<name> out of the gossip pool (pruned from the member list), deregister
 * it from the catalog. Then the name can be enrolled again.
 *
 * Consul is reached through `ConsulCall`, so tests can fake it; what Consul hands back (token lists, members) is data,
 * printed only quoted.
 */
import { UsageError } from '../../../services/shared/errors';
import { consulAnswer, type ConsulTarget } from '../../../services/shared/consul/http';
import { listOrEmpty, membersSchema, serfStatus } from '../../../services/shared/consul/schemas';
import { STUDENT_NAME, studentNodeName } from '../../../services/enrollment/names';
import { quotedForTerminal, quoteForTerminal, terminalSafeText } from '../../../services/shared/terminalText';
import { bodyLine, type HttpAnswer, ROSTER_PATHS, studentTokens, tokensError, unreachable } from './roster';

/** One request to Consul's HTTP API (`/v1/...`, a JSON body for PUT); throws only when no answer came. */
export type ConsulCall = (method: 'GET' | 'PUT' | 'DELETE', path: string, body?: unknown) => Promise<HttpAnswer>;

/** Consul answered a step with an error (403, 500...): exit 1 with this one line. */
export class FreeStudentError extends Error {
  override name = 'FreeStudentError';
}

/** What --free did. */
export interface FreeStudentResult {
  name: string;
  node: string;
  tokensDeleted: number;
  /** The node's members as they were before (a student's agent may have joined under another case of the name). */
  members: Array<{ name: string; status: string }>;
  summary: string;
}

/** 1-39 of letters, digits and single inner hyphens (a GitHub account): exit 2 otherwise, before Consul is asked. */
export function parseFreeName(value: string): string {
  if (!STUDENT_NAME.test(value)) {
    throw new UsageError(
      `--free ${quotedForTerminal(value, 64)} is not a student's name (a GitHub account: 1-39 letters, digits and single hyphens, not at either end)`,
    );
  }
  // lab:join lowercases the name it enrols (GitHub accounts are case-insensitive): so does --free.
  return value.toLowerCase();
}

/**
 * Free `nameArg`: delete its tokens, force its node out (prune), deregister it. `say` gets one line per step as it is
 * done; the result's `summary` is the last line. A Consul error stops at that step (FreeStudentError, one line).
 */
export async function freeStudent(
  consulUrl: string,
  nameArg: string,
  call: ConsulCall,
  say: (line: string) => void = () => undefined,
): Promise<FreeStudentResult> {
  const name = parseFreeName(nameArg);
  const node = studentNodeName(name);
  const shown = quotedForTerminal(name);
  const ask = async (method: 'GET' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<HttpAnswer> => {
    try {
      return await call(method, path, body);
    } catch (err) {
      throw unreachable(consulUrl, err);
    }
  };
  const fail = (method: string, path: string, a: HttpAnswer): FreeStudentError =>
    new FreeStudentError(`Consul at ${consulUrl} answered ${a.status} to ${method} ${terminalSafeText(path, 120)}: ${bodyLine(a.body)}`);
  const json = (method: string, path: string, a: HttpAnswer): unknown => {
    try {
      return JSON.parse(a.body) as unknown;
    } catch {
      throw new FreeStudentError(`Consul at ${consulUrl} answered ${method} ${path} with something that is not JSON: ${bodyLine(a.body)}`);
    }
  };

  // 1. Its tokens. Without ACLs (not classroom mode) or without acl:write this is where it stops, with the hint.
  const list = await ask('GET', ROSTER_PATHS.tokens);
  if (list.status !== 200) throw tokensError(consulUrl, list);
  const tokens = studentTokens(json('GET', ROSTER_PATHS.tokens, list)).filter((t) => t.name.toLowerCase() === name);
  let tokensDeleted = 0;
  for (const t of tokens) {
    const path = `/v1/acl/token/${encodeURIComponent(t.accessorId)}`;
    const a = await ask('DELETE', path);
    // The accessor ID is not the secret; its head is enough to find the token in the UI.
    const which = `token ${quoteForTerminal(t.accessorId.slice(0, 8), 8)}…`;
    if (a.status === 200) {
      tokensDeleted += 1;
      say(`deleted ${which} of ${shown}`);
    } else if (a.status === 404) say(`${which} of ${shown} was already gone`);
    else throw fail('DELETE', path, a);
  }
  if (tokens.length === 0) say(`no token of ${shown} to delete`);

  // 2. Its agent in the gossip pool: force-leave and prune, under the name it joined with (serf names are
  // case-sensitive; a student's agent may have joined as student-Alice).
  const membersAnswer = await ask('GET', ROSTER_PATHS.members);
  if (membersAnswer.status !== 200) throw fail('GET', ROSTER_PATHS.members, membersAnswer);
  const listed = json('GET', ROSTER_PATHS.members, membersAnswer);
  const members = listOrEmpty(membersSchema, listed)
    .filter((m) => m.Name.toLowerCase() === node)
    .map((m) => ({ name: m.Name, status: serfStatus(m.Status) as string }));
  let forcedOut = 0;
  for (const target of members.length ? members.map((m) => m.name) : [node]) {
    const path = `/v1/agent/force-leave/${encodeURIComponent(target)}?prune=true`;
    const a = await ask('PUT', path);
    if (a.status === 200) {
      forcedOut += 1;
      say(`${quoteForTerminal(target)} forced out of the gossip pool and pruned from the members`);
    } else if ((a.status === 404 || a.status === 500) && /no node found|member not found|not found/i.test(a.body)) {
      // Consul 1.20: 500 "agent: No node found with name '<node>'"; a member gone between the list and now is fine.
      say(`${quoteForTerminal(target)} is not a member of the gossip pool`);
    } else throw fail('PUT', path, a);
  }

  // 3. Its node in the catalog (with everything on it: its workshop-<name> and checks). Consul answers true for a
  // node it does not have.
  const dereg = await ask('PUT', '/v1/catalog/deregister', { Node: node });
  if (dereg.status !== 200) throw fail('PUT', '/v1/catalog/deregister', dereg);
  say(`node ${node} deregistered from the catalog`);

  const stillRunning = members.some((m) => m.status === 'alive');
  const summary =
    `${shown} is free: ${tokensDeleted} token${tokensDeleted === 1 ? '' : 's'} deleted, ` +
    `${forcedOut ? `${node} forced out` : `${node} was not a member`}, its catalog node deregistered` +
    (stillRunning
      ? // Serf lets a live agent refute a force-leave, and the leader then puts the node back in the catalog.
        '; ⚠ its agent was alive: it stays in the gossip pool (or rejoins) with the key alone and the servers list its node ' +
        'again, so the name stays taken until that machine runs npm run lab:leave (without a token it can write nothing; lab:roster flags it)'
      : '; the name can be enrolled again');
  return { name, node, tokensDeleted, members, summary };
}

/** Consul's HTTP API through the gateway, with `token` in X-Consul-Token (the management token: only it may do all three steps). */
export function httpConsulCall(consulUrl: string, token: string | undefined, timeoutMs = 5000): ConsulCall {
  const consul: ConsulTarget = { baseUrl: consulUrl, token, timeoutMs };
  return async (method, path, body) => {
    const { status, body: text } = await consulAnswer(consul, { method, path, body });
    return { status, body: text };
  };
}
