import { errorMessage } from '../errors';

/** What a ConsulError knows besides its message. */
export interface ConsulErrorDetail {
  /** The call, e.g. "GET /v1/acl/policies" (never a query string: it may name things the log should not). */
  what?: string;
  /** Consul's HTTP status; undefined when no answer came (unreachable, timed out) or it could not be read. */
  status?: number;
  /** Consul's reason (its answer's first line, at most 200 characters) or why no answer came. */
  reason?: string;
  /** Consul's whole error answer (capped), for callers that read past its first line; "" when none. */
  body?: string;
  /** What the user can do about it; hintFor(status) when not given and there is a status. */
  hint?: string;
  cause?: unknown;
}

/** Consul's answers' first line, as every error shows it: one line, at most 200 characters. */
export function firstLineOf(text: string, max = 200): string {
  return text.trim().split('\n')[0]!.slice(0, max);
}

/**
 * What to try, by status: 401/403 is the token (unset, unknown, or its policy lacks the permission), 404 the name
 * asked for, 429/5xx Consul itself (no leader yet, overloaded), no answer at all the lab (is it up?).
 */
export function hintFor(status: number | undefined, reason = ''): string {
  if (status === undefined) return 'is the lab up? (npm run lab:status)';
  if (/ACL support disabled/i.test(reason)) return "Consul's ACLs are off: the lab is not in classroom mode";
  if (status === 401 || status === 403) {
    return /permission denied/i.test(reason)
      ? "the token's policy lacks this permission"
      : 'Consul does not know the token (CONSUL_HTTP_TOKEN, or the agent default): set the right one';
  }
  if (status === 404) return 'Consul has no such object (or endpoint)';
  if (status === 400) return 'Consul rejected the request as invalid';
  if (status === 429) return 'Consul is rate limiting: try again shortly';
  if (status >= 500) return 'Consul could not answer (no leader yet? a server down?): try again shortly';
  return '';
}

/**
 * The one error of the Consul gateway (services/shared/consul/http.ts): a call that got no answer, an answer
 * with an error status, or one that is not what the schema says. The message is one line naming the call.
 */
export class ConsulError extends Error {
  override name = 'ConsulError';
  readonly what: string;
  readonly status: number | undefined;
  readonly reason: string;
  readonly body: string;
  readonly hint: string;
  constructor(message: string, detail: ConsulErrorDetail = {}) {
    super(message, detail.cause === undefined ? undefined : { cause: detail.cause });
    this.what = detail.what ?? '';
    this.status = detail.status;
    this.reason = detail.reason ?? '';
    this.body = detail.body ?? '';
    this.hint = detail.hint ?? (detail.status === undefined ? '' : hintFor(detail.status, detail.body || detail.reason));
  }

  /** The same error with another message (a caller's own wording), everything else kept. */
  withMessage(message: string): ConsulError {
    return new ConsulError(message, this);
  }
}

/** What a `consul` client (papi) error may carry besides its message. */
interface ConsulClientError {
  statusCode?: unknown;
  isValidation?: unknown;
  code?: unknown;
  response?: { statusCode?: unknown; body?: unknown };
}

/**
 * The HTTP status and Consul's own reason from a `consul` client error. The client keeps a short plain-text
 * body as the message, but a longer one, like 1.20's "Permission denied: token with AccessorID ... lacks
 * permission" or "Invalid check: Interval must be > 0 ...", only as `response.body`, leaving the message
 * "forbidden" or "bad request": its first line (at most 200 characters) is added. Any other error keeps its message.
 */
export function consulErrorDetail(err: unknown): { status?: number; reason: string } {
  // The gateway's own error already says both (its message names the call and Consul's reason).
  if (err instanceof ConsulError) return { status: err.status, reason: err.message };
  const e = err as ConsulClientError | null;
  const status =
    typeof e?.statusCode === 'number' ? e.statusCode : typeof e?.response?.statusCode === 'number' ? e.response.statusCode : undefined;
  const body = e?.response?.body;
  const text = typeof body === 'string' ? body.trim().split('\n')[0]!.slice(0, 200) : '';
  const msg = errorMessage(err);
  return { status, reason: text && !msg.includes(text) ? `${msg}: ${text}` : msg };
}

/** consulErrorDetail's reason: the message with Consul's reason, for a log line. */
export function consulErrorText(err: unknown): string {
  return consulErrorDetail(err).reason;
}

/**
 * An error that sending the same request again cannot fix, so retrying forever would only hide it: Consul
 * rejected the request as invalid (HTTP 400), or the ACL token is known and lacks permission (403 "Permission
 * denied"; a token the agent does not know yet, 403 "ACL not found", may still be replicating, so that one is
 * retried), or the request could not even be built (a token with characters an HTTP header cannot carry, a
 * client-side validation error). Everything else (429, 5xx, an unreachable agent, a timeout) is worth retrying.
 */
export function isPermanentConsulError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & ConsulClientError;
  if (e.isValidation) return true;
  if (err instanceof ConsulError && err.status === undefined) return isPermanentConsulError(err.cause);
  if (e.code === 'ERR_INVALID_CHAR' || e.code === 'ERR_INVALID_HTTP_TOKEN') return true;
  const { status, reason } = consulErrorDetail(err);
  if (status === 400) return true;
  if (status === 403) return /permission denied/i.test(reason);
  return false;
}
