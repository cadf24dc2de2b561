/*
 * The one request function for Consul's HTTP API where the `consul` client has no call (ACL tokens, policies, auth
 * methods, login; the keyring; raft) or where a caller must work from nothing but a URL (the exercises' checks, in
 * the lab view's container and on your machine). Every request: base URL + path, the token in X-Consul-Token (never
 * in the URL), a JSON body, a deadline (AbortSignal), no redirects, a capped answer, and one error type.
 */
import type { z } from 'zod';
import { readBounded } from '../readBounded';
import { registerSecret } from '../secrets';
import { errorMessage } from '../errors';
import { firstZodIssue } from '../zodIssue';
import { ConsulError, firstLineOf, hintFor } from './errors';

/** Where Consul is and who asks. */
export interface ConsulTarget {
  /** Consul's HTTP API, e.g. http://127.0.0.1:8500 (a trailing slash is dropped). */
  baseUrl: string;
  /** Sent as X-Consul-Token when set; without one the agent's default token applies. */
  token?: string;
  /** Each request's deadline (5 s). */
  timeoutMs?: number;
  /** For tests that fake a whole lab (services/exercises/gather.test.ts); real code leaves it out. */
  fetch?: typeof fetch;
}

export type ConsulMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface ConsulRequest {
  method?: ConsulMethod;
  /** `/v1/...`, query included; each name in it already encoded (encodeURIComponent). */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  /** This request's token instead of the target's; null: no token header at all (an ACL login must carry none). */
  token?: string | null;
  /** A caller's signal (shutdown, a request's own deadline): ends the request sooner than the timeout. */
  signal?: AbortSignal;
  /** How errors name the call (default `<method> <path without its query>`). */
  what?: string;
  /** The largest answer read (16 MiB: a room of a few hundred students is well under it). */
  maxBytes?: number;
}

/** An answer of any status: what callers that read a status themselves (a 404 that means "free") get. */
export interface ConsulAnswer {
  status: number;
  body: string;
  headers: Headers;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/** An error's message (also from another realm, where instanceof Error fails), first line only. */
export function messageOf(err: unknown): string {
  const m =
    err !== null && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string'
      ? (err as { message: string }).message
      : errorMessage(err);
  return m.split('\n')[0]!;
}

/** fetch's "fetch failed" says why only in its cause (ECONNREFUSED, a timeout, …): both, one line. */
export function noAnswerReason(err: unknown): string {
  const cause = err !== null && typeof err === 'object' ? (err as { cause?: unknown }).cause : undefined;
  return cause ? `${messageOf(err)} (${messageOf(cause)})` : messageOf(err);
}

function describe(req: ConsulRequest): string {
  return req.what ?? `${req.method ?? 'GET'} ${req.path.split('?')[0]}`;
}

/** One request; any status is an answer. Throws a ConsulError (status undefined) only when no answer came. */
export async function consulAnswer(target: ConsulTarget, req: ConsulRequest): Promise<ConsulAnswer> {
  const token = req.token === undefined ? target.token : req.token;
  registerSecret(token ?? undefined);
  const timeout = AbortSignal.timeout(target.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const what = describe(req);
  const headers: Record<string, string> = { 'cache-control': 'no-cache' };
  if (token) headers['X-Consul-Token'] = token;
  if (req.body !== undefined) headers['Content-Type'] = 'application/json';
  try {
    const res = await (target.fetch ?? fetch)(`${target.baseUrl.replace(/\/+$/, '')}${req.path}`, {
      method: req.method ?? 'GET',
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      redirect: 'error',
      signal: req.signal ? AbortSignal.any([req.signal, timeout]) : timeout,
    });
    const body = (await readBounded(res, req.maxBytes ?? DEFAULT_MAX_BYTES)).toString('utf8');
    return { status: res.status, body, headers: res.headers };
  } catch (err) {
    const reason = noAnswerReason(err);
    throw new ConsulError(`${what}: ${reason}`, { what, reason, hint: hintFor(undefined), cause: err });
  }
}

/** A ConsulError for an answer with an error status: the call, the status, Consul's first line. */
export function statusError(what: string, answer: Pick<ConsulAnswer, 'status' | 'body'>): ConsulError {
  const reason = firstLineOf(answer.body);
  return new ConsulError(`${what}: HTTP ${answer.status}${reason ? `: ${reason}` : ''}`, {
    what,
    status: answer.status,
    reason,
    body: answer.body.slice(0, 4096),
  });
}

/** A 2xx answer's JSON through `schema`; anything else (not JSON, not that shape) a ConsulError naming the call. */
export function parseAnswer<S extends z.ZodType>(what: string, answer: Pick<ConsulAnswer, 'status' | 'body'>, schema: S): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(answer.body) as unknown;
  } catch {
    throw new ConsulError(`${what}: not JSON`, { what, status: answer.status, reason: 'not JSON' });
  }
  return readAs(what, json, schema, answer.status);
}

/**
 * An answer already parsed (the `consul` client's) through `schema`; not that shape is a ConsulError naming the
 * call and zod's first issue (its path and message, never the value: it may be a secret).
 */
export function readAs<S extends z.ZodType>(what: string, value: unknown, schema: S, status?: number): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const reason = `unexpected answer: ${firstZodIssue(parsed.error)}`;
    throw new ConsulError(`${what}: ${reason}`, { what, status, reason });
  }
  return parsed.data;
}

/** One request whose 2xx answer is parsed with `schema`; any other status is a ConsulError with Consul's reason. */
export async function consulRequest<S extends z.ZodType>(target: ConsulTarget, req: ConsulRequest & { schema: S }): Promise<z.output<S>> {
  const answer = await consulAnswer(target, req);
  const what = describe(req);
  if (answer.status < 200 || answer.status > 299) throw statusError(what, answer);
  return parseAnswer(what, answer, req.schema);
}
