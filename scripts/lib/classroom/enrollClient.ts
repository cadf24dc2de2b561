// The student's client of the instructor's enrollment service (services/enrollment): the join info for a
// code, the student's own Consul token for a name, and freeing the name again. Every failure is ONE line that
// says what to do (wrong code, name taken, instructor unreachable with the ports to open); no secret is ever in
// one (the code, the token and the gossip key are registered for redaction by the caller, and never quoted here).
// Over https only, trusting exactly one CA: the classroom CA whose pin the instructor projects (fetchPinnedCa), or
// the one in the join file / the saved state. The code travels in request bodies, never in a URL.
import { createHash, X509Certificate } from 'node:crypto';
import https from 'node:https';
import { connect as tlsConnect, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls';
import { z } from 'zod';
import { errorMessage } from '../../../services/shared/errors';
import { readBounded } from '../../../services/shared/readBounded';
import { terminalSafeLine } from '../../../services/shared/terminalText';
import { parseJoinInfo, type JoinInfo } from './joinInfo';

export type EnrollFailure = 'unreachable' | 'wrong-code' | 'name-taken' | 'bad-name' | 'refused' | 'protocol' | 'pin';

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
  /** When Consul deletes the token (the students' auth method's MaxTokenTTL). */
  expirationTime: z
    .string()
    .max(64)
    .regex(/^\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)$/, 'must be an ISO time')
    .optional(),
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
/** A request without a code (the TLS handshake of the pin check, leaving). */
const DEFAULT_TIMEOUT_MS = 8000;
/**
 * A request that carries the join code: the service checks codes one at a time per address and may hold one up to
 * ~31 s behind someone's wrong ones (services/enrollment MAX_CODE_WAIT_MS): wait past that.
 */
export const CODE_TIMEOUT_MS = 45_000;
/**
 * The default of EnrollClientOptions.enrollTimeoutMs: the code's wait plus the service's own 15 s deadline for the
 * Consul calls (ENROLL_DEADLINE_MS), with room: the student never gives up on a request that may still mint its token.
 */
export const ENROLL_TIMEOUT_MS = 60_000;

/** The server's `{"error": "..."}`, as one short line (it is shown to the student). */
export function serverError(body: string): string | undefined {
  try {
    const v: unknown = JSON.parse(body);
    if (v && typeof v === 'object' && 'error' in v && typeof v.error === 'string') {
      // The server's words reach the student's terminal: one line, no control or bidi characters.
      const line = terminalSafeLine(v.error.replace(/\s+/g, ' ').trim());
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
    // The classroom CA and its certificates start at the moment lab:up made them (consul tls does not backdate).
    CERT_NOT_YET_VALID: "the instructor's certificate is not valid yet by this machine's clock: turn on automatic time (NTP)",
    CERT_HAS_EXPIRED: "the instructor's certificate has expired by this machine's clock: check the clock, or ask for a new class",
    ERR_TLS_CERT_ALTNAME_INVALID:
      "the certificate is not for this address: someone else answers there, or the instructor's lab runs on another address",
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is not from the classroom CA',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is not from the classroom CA',
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

/** `POST /v1/join-info` with the code in the body, on the instructor's machine: everything needed to join (what join.json holds). */
export async function fetchJoinInfo(enrollUrl: string, code: string, opts: EnrollClientOptions = {}): Promise<JoinInfo> {
  const { status, body } = await request(
    new URL('/v1/join-info', enrollUrl).href,
    { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ code }) },
    opts,
    opts.timeoutMs ?? CODE_TIMEOUT_MS,
  );
  if (status === 200) {
    try {
      return parseJoinInfo(body, 'the join info from the enrollment service');
    } catch (err) {
      throw new EnrollError(errorMessage(err), 'protocol');
    }
  }
  if (status === 403) throw new EnrollError(WRONG_CODE, 'wrong-code');
  if (status === 429) throw tooManyWrongCodes(body);
  if (status === 405)
    throw new EnrollError(
      "the instructor's enrollment service runs another version of the lab: instructor and students need the same (git pull)",
      'protocol',
    );
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

/** SHA-256 of a certificate (DER), hex. */
function sha256Hex(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/** A DER certificate as PEM. */
function derToPem(der: Buffer): string {
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** The certificates the server sent, leaf first (Node links them through issuerCertificate; a self-signed one links to itself). */
function peerChain(leaf: DetailedPeerCertificate): PeerCertificate[] {
  const chain: PeerCertificate[] = [];
  const seen = new Set<string>();
  for (let c: DetailedPeerCertificate | undefined = leaf; c?.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    chain.push(c);
  }
  return chain;
}

/**
 * The classroom CA whose pin is `pin`, from the chain the enrollment service presents (its certificate, then the CA),
 * before anything else is sent: no code, no name. A chain without it is a man in the middle (or another class):
 * one line, kind 'pin'. The TLS handshake here trusts nothing yet; every request after it trusts this CA only
 * (pinnedFetch), with the usual checks (chain, validity, the instructor's address in the certificate).
 */
export async function fetchPinnedCa(
  enrollUrl: string,
  pin: string,
  opts: { timeoutMs?: number; portsHint?: string } = {},
): Promise<string> {
  const url = new URL(enrollUrl);
  const port = Number(url.port || 443);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const chain = await new Promise<PeerCertificate[]>((resolve, reject) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false, timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS });
    socket.once('secureConnect', () => {
      const leaf = socket.getPeerCertificate(true);
      socket.end();
      resolve(leaf && 'raw' in leaf ? peerChain(leaf) : []);
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(Object.assign(new Error('timeout'), { name: 'TimeoutError' }));
    });
    socket.once('error', (err) => reject(Object.assign(new TypeError('tls failed'), { cause: err })));
  }).catch((err: unknown) => {
    throw new EnrollError(
      `cannot reach the instructor's enrollment service at https://${url.host} (${networkReason(err)}): is the instructor's lab up (lab:up --classroom)? ` +
        `Your network must let through ${opts.portsHint ?? 'TCP 8099, TCP 8300 and TCP+UDP 8301 to the instructor'} ` +
        '(a guest Wi-Fi that isolates clients blocks it)',
      'unreachable',
    );
  });
  const ca = chain.find((c) => sha256Hex(c.raw).startsWith(pin));
  if (!ca || !new X509Certificate(ca.raw).ca) {
    throw new EnrollError(
      `the instructor's enrollment service at ${url.host} shows a certificate that does not match --pin ${pin}: check the pin the instructor shows; if it is right, someone else answers at that address (do not join)`,
      'pin',
    );
  }
  return derToPem(ca.raw);
}

/**
 * A fetch over https that trusts `caPem` alone (not the system's CAs): the requests to the enrollment service after
 * the pin check, and lab:leave's with the CA saved at join. Only what request() uses: method, headers, string body,
 * signal; redirects are never followed.
 */
export function pinnedFetch(caPem: string): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(String(input));
    if (url.protocol !== 'https:') throw new TypeError('fetch failed', { cause: new Error(`refusing ${url.protocol}// (https only)`) });
    return new Promise<Response>((resolve, reject) => {
      const req = https.request(
        url,
        {
          method: init.method ?? 'GET',
          headers: init.headers as Record<string, string> | undefined,
          ca: caPem,
          signal: init.signal ?? undefined,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
            resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers }));
          });
          res.on('error', reject);
        },
      );
      req.on('error', (err) => reject(new TypeError('fetch failed', { cause: err })));
      if (typeof init.body === 'string') req.write(init.body);
      req.end();
    });
  }) as typeof fetch;
}
