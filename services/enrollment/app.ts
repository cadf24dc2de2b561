import { timingSafeEqual, createHash } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import type { Logger } from '../shared/logger';
import { codeThrottle, sharedAddressWatch, type CheckOutcome, type CodeThrottle } from './codeThrottle';
import type { StudentRegistry } from './consulAcl';
import { ENROLL_DEADLINE_MS, SIDECAR_SUFFIX, STUDENT_NAME, studentNodeName, studentServiceId, studentServiceName } from './names';

export interface EnrollmentConfig {
  /** The JoinInfo JSON as lab:up wrote it, served as is to whoever knows the code. */
  joinInfoJson: string;
  joinCode: string;
  datacenter: string;
  /** The per-address throttle on code checks (default: codeThrottle()'s 1 s per wrong code, 30 s backlog). */
  throttle?: CodeThrottle;
  /**
   * One deadline for all of a POST /v1/students' Consul calls (default 15 s), counted from the moment its code is
   * accepted, so the handler ends well before the client gives up and no token is minted for a client that gave up.
   * A client must wait at least maxCheckWaitMs() (the code's turn) + this.
   */
  enrollDeadlineMs?: number;
}

/** Constant-time: both sides hashed first, so neither the length nor a prefix of the code leaks through timing. */
export function codeMatches(given: unknown, code: string): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(code).digest();
  return timingSafeEqual(a, b);
}

export function takenMessage(name: string): string {
  return `the name "${name}" is taken: a student with that GitHub account has already joined (if that was you on another machine, run npm run lab:leave there first)`;
}

export const SHARED_ADDRESS_WARNING =
  'every student arrives from one address (a NAT, e.g. Docker Desktop): wrong codes from one slow down all';

const NOT_OWN_TOKEN = "only a student's own token can free its name";

/**
 * The enrollment API (README.md beside this file). The code only ever travels in a POST body; every request that
 * carries one waits for its address's turn (codeThrottle.ts). Names are handled one at a time per name, so two
 * machines racing for the same name get one 201 and one 409. No answer or log line carries the code, the join info's
 * secrets, a token or a JWT, except the 201 that hands a student its own token and the join info for the right code.
 */
export function createEnrollmentApp(cfg: EnrollmentConfig, registry: StudentRegistry, log: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(express.json({ limit: '2kb' }));

  const busy = new Map<string, Promise<unknown>>();
  const oneAtATime = async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const prev = busy.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const settled = run.catch(() => undefined);
    busy.set(key, settled);
    try {
      return await run;
    } finally {
      if (busy.get(key) === settled) busy.delete(key);
    }
  };

  const throttle = cfg.throttle ?? codeThrottle();
  const sharedAddress = sharedAddressWatch();
  /** The client's address (IPv4-mapped IPv6 as IPv4: one client, one key). */
  const from = (req: Request): string => (req.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.)/, '');
  /** When each address last had a 429 logged: one line a minute per address, not one per request of a flood. */
  const warnedAt = new Map<string, number>();

  /**
   * The code's check, in its address's turn. True when right; otherwise the 403/429 is answered here. The code is
   * never logged: only the address, and the name it came with.
   */
  const codeAccepted = async (req: Request, res: Response, code: unknown, what: string, name?: string): Promise<boolean> => {
    const address = from(req);
    const outcome: CheckOutcome = await throttle.check(address, () => codeMatches(code, cfg.joinCode));
    if (outcome.kind === 'right') return true;
    if (outcome.kind === 'wrong') {
      log.warn(`${what} refused: wrong join code`, { name, from: address });
      res.status(403).json({ error: 'wrong join code' });
      return false;
    }
    if (Date.now() - (warnedAt.get(address) ?? -Infinity) >= 60_000) {
      if (warnedAt.size >= 1000) warnedAt.clear();
      warnedAt.set(address, Date.now());
      log.warn(`${what} refused: too many join codes waiting from this address`, { from: address, reason: outcome.reason });
    }
    res.setHeader('Retry-After', String(outcome.retryAfterSecs));
    res.status(429).json({
      error:
        outcome.reason === 'backlog'
          ? `too many wrong join codes from this address: try again in ${outcome.retryAfterSecs} s`
          : `the enrollment service is busy: try again in ${outcome.retryAfterSecs} s`,
    });
    return false;
  };

  const failed = (res: Response, what: string, err: unknown): void => {
    log.error(`${what} failed`, { error: err instanceof Error ? err.message : String(err) });
    if (!res.headersSent) res.status(502).json({ error: `${what} failed: the instructor's Consul did not answer as expected` });
  };

  const bodyOf = (req: Request): Record<string, unknown> =>
    (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
  const NO_CODE = 'send the join code in a JSON body: {"code": "..."} (Content-Type: application/json)';

  // For the container's healthcheck: answers without a code, so checks do not fill the log with refusals.
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // The code once travelled in this URL's query string (into proxies' and shells' histories): an old lab:join gets a line.
  app.get('/v1/join-info', (_req, res) => {
    res.setHeader('Allow', 'POST');
    res.status(405).json({ error: 'use POST /v1/join-info with the code in the body' });
  });

  app.post('/v1/join-info', async (req: Request, res: Response) => {
    const code = bodyOf(req).code;
    if (typeof code !== 'string') {
      res.status(400).json({ error: NO_CODE });
      return;
    }
    if (!(await codeAccepted(req, res, code, 'join-info'))) return;
    log.info('join-info served', { from: from(req) });
    res.type('application/json').send(cfg.joinInfoJson);
  });

  app.post('/v1/students', async (req: Request, res: Response) => {
    const body = bodyOf(req);
    const given = body.name;
    if (typeof given !== 'string' || !STUDENT_NAME.test(given)) {
      res.status(400).json({ error: 'name must be a GitHub account: 1-39 letters, digits or single inner hyphens' });
      return;
    }
    // GitHub logins are case-insensitive and Consul's identities are lower case: Alice is alice.
    const name = given.toLowerCase();
    if (name.endsWith(SIDECAR_SUFFIX)) {
      // names.ts SIDECAR_SUFFIX: another student's service identity would cover this name's service.
      res.status(400).json({ error: `a name ending in "${SIDECAR_SUFFIX}" cannot join (Consul gives "x" write on "x${SIDECAR_SUFFIX}")` });
      return;
    }
    if (typeof body.code !== 'string') {
      res.status(400).json({ error: NO_CODE });
      return;
    }
    if (!(await codeAccepted(req, res, body.code, 'enrollment', name))) return;
    if (sharedAddress(from(req), name)) log.warn(SHARED_ADDRESS_WARNING, { from: from(req) });
    // From here on, one deadline: it covers the wait for the name too.
    const signal = AbortSignal.timeout(cfg.enrollDeadlineMs ?? ENROLL_DEADLINE_MS);
    try {
      await oneAtATime(name, async () => {
        const taken = await registry.takenBy(name, signal);
        if (taken) {
          log.info('enrollment refused: name taken', { name, by: taken, from: from(req) });
          res.status(409).json({ error: takenMessage(name) });
          return;
        }
        // Past the deadline nothing is minted: the client may have given up, and a token it never got would
        // leave the name taken with no student behind it.
        signal.throwIfAborted();
        const t = await registry.login(name, signal);
        log.info('student enrolled', { name, accessor: t.accessorId, expires: t.expirationTime, from: from(req) });
        res.status(201).json({
          name,
          nodeName: studentNodeName(name),
          serviceId: studentServiceId(name),
          serviceName: studentServiceName(name),
          token: t.secretId,
          accessorId: t.accessorId,
          expirationTime: t.expirationTime,
        });
      });
    } catch (err) {
      failed(res, 'enrollment', err);
    }
  });

  app.delete('/v1/students/:name', async (req: Request, res: Response) => {
    const name = String(req.params.name).toLowerCase();
    const token = req.get('X-Consul-Token');
    if (!STUDENT_NAME.test(name) || !token) {
      res.status(403).json({ error: NOT_OWN_TOKEN });
      return;
    }
    const signal = AbortSignal.timeout(cfg.enrollDeadlineMs ?? ENROLL_DEADLINE_MS);
    try {
      await oneAtATime(name, async () => {
        const self = await registry.tokenSelf(token, signal);
        if (!self || self.student !== name) {
          log.warn("leave refused: not that student's token", { name, from: from(req) });
          res.status(403).json({ error: NOT_OWN_TOKEN });
          return;
        }
        await registry.logout(token, signal);
        log.info('student left', { name, accessor: self.accessorId, from: from(req) });
        res.status(204).end();
      });
    } catch (err) {
      failed(res, 'leave', err);
    }
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  // Body too large or not JSON: express's error, answered in one JSON line without echoing the body.
  app.use((err: { status?: number; type?: string }, _req: Request, res: Response, _next: express.NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    res
      .status(status)
      .json({ error: status === 413 ? 'request body too large' : status === 400 ? 'request body must be JSON' : 'internal error' });
  });
  return app;
}
