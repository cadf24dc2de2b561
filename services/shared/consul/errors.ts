import { errorMessage } from '../errors';

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
  if (e.code === 'ERR_INVALID_CHAR' || e.code === 'ERR_INVALID_HTTP_TOKEN') return true;
  const { status, reason } = consulErrorDetail(err);
  if (status === 400) return true;
  if (status === 403) return /permission denied/i.test(reason);
  return false;
}
