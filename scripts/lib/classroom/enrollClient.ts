// The student's client of the instructor's enrollment service (services/enrollment): the join info for a
// code, the student's own Consul token for a name, and freeing the name again. Every failure is ONE line that
// says what to do (wrong code, name taken, instructor unreachable with the ports to open); no secret is ever in
// one (the code, the token and the gossip key are registered for redaction by the caller, and never quoted here).
import { z } from 'zod';
import { errorMessage } from '../../../services/shared/errors';
import { readBounded } from '../../../services/shared/readBounded';
import { parseJoinInfo, type JoinInfo } from './joinInfo';

export type EnrollFailure = 'unreachable' | 'wrong-code' | 'name-taken' | 'bad-name' | 'refused' | 'protocol';

export class EnrollError extends Error {
  override name = 'EnrollError';
  constructor(
    message: string,
    readonly kind: EnrollFailure,
  ) {
    super(message);
  }
}

export const EnrollmentSchema = z.object({
  name: z.string().min(1),
  nodeName: z.string().min(1),
  serviceId: z.string().min(1),
  token: z.string().min(8).max(200),
  accessorId: z.string().max(200),
});
export type Enrollment = z.infer<typeof EnrollmentSchema>;

export interface EnrollClientOptions {
  /** Per request, body included (venue Wi-Fi can be slow, but not this slow); POST /v1/students: enrollTimeoutMs. */
  timeoutMs?: number;
  /**
   * POST /v1/students, which waits on several Consul calls on the instructor's side: well past the service's own
   * deadline for them (services/enrollment ENROLL_DEADLINE_MS, 15 s), so the student never gives up on a
   * request that may still mint its token (the name would then be taken, with no token here to free it).
   */
  enrollTimeoutMs?: number;
  /** Appended to "cannot reach ...": which ports to open (studentAddress.instructorPortsHint). */
  portsHint?: string;
  fetch?: typeof fetch;
}

const MAX_BODY = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 8000;
/** The default of EnrollClientOptions.enrollTimeoutMs: twice the enrollment service's deadline. */
export const ENROLL_TIMEOUT_MS = 30_000;

/** The server's `{"error": "..."}`, as one short line (it is shown to the student). */
export function serverError(body: string): string | undefined {
  try {
    const v: unknown = JSON.parse(body);
    if (v && typeof v === 'object' && 'error' in v && typeof v.error === 'string') {
      const line = v.error.replace(/\s+/g, ' ').trim();
      return line.length > 300 ? `${line.slice(0, 300)}…` : line || undefined;
    }
  } catch {
    // not JSON: no message of the server's to show
  }
  return undefined;
}

/** Why a request never got an answer, from fetch's error and its cause (ECONNREFUSED, a timeout, ...). */
export function networkReason(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'no answer in time';
  const code = e?.cause?.code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    EHOSTUNREACH: 'no route to host',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'timed out',
    UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'unknown host',
    EAI_AGAIN: 'name lookup failed',
  };
  if (code && known[code]) return known[code];
  return (e?.cause?.message ?? errorMessage(err)).split('\n')[0]!;
}

async function request(
  url: string,
  init: RequestInit,
  opts: EnrollClientOptions,
  timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
): Promise<{ status: number; body: string }> {
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const origin = new URL(url).origin;
    throw new EnrollError(
      `cannot reach the instructor's enrollment service at ${origin} (${networkReason(err)}): is the instructor's lab up (lab:up --classroom)? ` +
        `Your network must let through ${opts.portsHint ?? 'TCP 8099, TCP 8300 and TCP+UDP 8301 to the instructor'} ` +
        '(a guest Wi-Fi that isolates clients blocks it)',
      'unreachable',
    );
  }
  let body: string;
  try {
    body = (await readBounded(res, MAX_BODY)).toString('utf8');
  } catch (err) {
    throw new EnrollError(`the enrollment service's answer could not be read (${networkReason(err)})`, 'protocol');
  }
  return { status: res.status, body };
}

function unexpected(what: string, status: number, body: string): EnrollError {
  const why = serverError(body);
  return new EnrollError(`${what}: the enrollment service answered HTTP ${status}${why ? `: ${why}` : ''}`, 'protocol');
}

/** 429: the service's limit on wrong join codes from this address (its message says how long to wait). */
function tooManyWrongCodes(body: string): EnrollError {
  return new EnrollError(
    `the instructor's enrollment service refused: ${serverError(body) ?? 'too many wrong join codes from this address: wait a minute'} (check the join code, then run lab:join again)`,
    'refused',
  );
}

const WRONG_CODE =
  "the instructor's enrollment service refused the join code: check it (the instructor's terminal and join.json show it) and run lab:join again";

/** `GET /v1/join-info?code=` on the instructor's machine: everything needed to join (what join.json holds). */
export async function fetchJoinInfo(enrollUrl: string, code: string, opts: EnrollClientOptions = {}): Promise<JoinInfo> {
  const url = new URL('/v1/join-info', enrollUrl);
  url.searchParams.set('code', code);
  const { status, body } = await request(url.href, { headers: { accept: 'application/json' } }, opts);
  if (status === 200) {
    try {
      return parseJoinInfo(body, 'the join info from the enrollment service');
    } catch (err) {
      throw new EnrollError(errorMessage(err), 'protocol');
    }
  }
  if (status === 403) throw new EnrollError(WRONG_CODE, 'wrong-code');
  if (status === 429) throw tooManyWrongCodes(body);
  throw unexpected('join info', status, body);
}

/** `POST /v1/students`: the student's own Consul token for `name` (node write on student-<name> only). */
export async function enrollStudent(enrollUrl: string, code: string, name: string, opts: EnrollClientOptions = {}): Promise<Enrollment> {
  const { status, body } = await request(
    new URL('/v1/students', enrollUrl).href,
    { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ code, name }) },
    opts,
    opts.enrollTimeoutMs ?? ENROLL_TIMEOUT_MS,
  );
  if (status === 201 || status === 200) {
    let raw: unknown;
    try {
      raw = JSON.parse(body);
    } catch {
      throw new EnrollError('the enrollment service answered with something that is not JSON', 'protocol');
    }
    const r = EnrollmentSchema.safeParse(raw);
    if (!r.success) {
      throw new EnrollError(`the enrollment service's answer lacks ${r.error.issues[0]?.path.join('.') || 'fields'}`, 'protocol');
    }
    return r.data;
  }
  if (status === 409) {
    throw new EnrollError(
      serverError(body) ??
        `the name "${name}" is taken: a student with that GitHub account has already joined (if that was you on another machine, run npm run lab:leave there first)`,
      'name-taken',
    );
  }
  if (status === 403) throw new EnrollError(WRONG_CODE, 'wrong-code');
  if (status === 429) throw tooManyWrongCodes(body);
  if (status === 400)
    throw new EnrollError(`the enrollment service refused the name "${name}": ${serverError(body) ?? 'bad name'}`, 'bad-name');
  throw unexpected('enrollment', status, body);
}

/**
 * `DELETE /v1/students/<name>` with the student's own token: frees the name. 'released' on 204; 'unknown' when the
 * service no longer knows that token (404, or 403: a token the cluster forgot, e.g. the instructor started over).
 */
export async function releaseStudent(
  enrollUrl: string,
  name: string,
  token: string,
  opts: EnrollClientOptions = {},
): Promise<'released' | 'unknown'> {
  const { status, body } = await request(
    new URL(`/v1/students/${encodeURIComponent(name)}`, enrollUrl).href,
    { method: 'DELETE', headers: { 'x-consul-token': token } },
    opts,
  );
  if (status === 204 || status === 200) return 'released';
  if (status === 404 || status === 403) return 'unknown';
  throw unexpected('freeing the name', status, body);
}
