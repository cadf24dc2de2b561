import { timingSafeEqual, createHash } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import type { Logger } from '../shared/logger';
import type { StudentRegistry } from './consulAcl';
import { SIDECAR_SUFFIX, STUDENT_NAME, studentNodeName, studentServiceId, studentServiceName, studentTokenDescription } from './names';
import { wrongCodeLimit, type WrongCodeLimitOptions } from './wrongCodeLimit';

export interface EnrollmentConfig {
  /** The JoinInfo JSON as lab:up wrote it, served as is to whoever knows the code. */
  joinInfoJson: string;
  joinCode: string;
  datacenter: string;
  /** Wrong join codes allowed per client IP (default 10 a minute; 429 with Retry-After past it). */
  wrongCodeLimit?: WrongCodeLimitOptions;
  /**
   * One deadline for all of a POST /v1/students' Consul calls (default 15 s), so the handler ends well before
   * the client's own timeout (enrollClient: 30 s) and no token is minted for a client that gave up.
   */
  enrollDeadlineMs?: number;
}

/** The default of EnrollmentConfig.enrollDeadlineMs. */
export const ENROLL_DEADLINE_MS = 15_000;

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

/**
 * The enrollment API (design: classroom-design.md). Names are handled one at a time per name, so two machines
 * racing for the same name get one 201 and one 409. No answer or log line carries the code, gossip key or a token
 * except the 201 that hands a student its own token.
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

  const limiter = wrongCodeLimit(cfg.wrongCodeLimit);
  /** Answers 429 (and true) while this client has used up its wrong codes; the code is not even compared then. */
  const limited = (req: Request, res: Response): boolean => {
    const secs = limiter.retryAfter(req.ip ?? '');
    if (secs === 0) return false;
    log.warn('refused: too many wrong join codes', { from: req.ip });
    res.setHeader('Retry-After', String(secs));
    res.status(429).json({ error: `too many wrong join codes from this address: try again in ${secs} s` });
    return true;
  };

  const failed = (res: Response, what: string, err: unknown): void => {
    log.error(`${what} failed`, { error: err instanceof Error ? err.message : String(err) });
    res.status(502).json({ error: `${what} failed: the instructor's Consul did not answer as expected` });
  };

  // For the container's healthcheck: answers without a code, so checks do not fill the log with refusals.
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/v1/join-info', (req: Request, res: Response) => {
    if (limited(req, res)) return;
    if (!codeMatches(req.query.code, cfg.joinCode)) {
      limiter.wrong(req.ip ?? '');
      log.warn('join-info refused: wrong join code', { from: req.ip });
      res.status(403).json({ error: 'wrong join code' });
      return;
    }
    log.info('join-info served', { from: req.ip });
    res.type('application/json').send(cfg.joinInfoJson);
  });

  app.post('/v1/students', async (req: Request, res: Response) => {
    // Started before the wait for the name, so a queued request shares the deadline too.
    const signal = AbortSignal.timeout(cfg.enrollDeadlineMs ?? ENROLL_DEADLINE_MS);
    const body = (req.body ?? {}) as { code?: unknown; name?: unknown };
    const name = body.name;
    if (typeof name !== 'string' || !STUDENT_NAME.test(name)) {
      res.status(400).json({ error: 'name must be a GitHub account: 1-39 letters, digits or single inner hyphens' });
      return;
    }
    if (name.toLowerCase().endsWith(SIDECAR_SUFFIX)) {
      // names.ts SIDECAR_SUFFIX: another student's service identity would cover this name's service.
      res.status(400).json({ error: `a name ending in "${SIDECAR_SUFFIX}" cannot join (Consul gives "x" write on "x${SIDECAR_SUFFIX}")` });
      return;
    }
    if (limited(req, res)) return;
    if (!codeMatches(body.code, cfg.joinCode)) {
      limiter.wrong(req.ip ?? '');
      log.warn('enrollment refused: wrong join code', { name, from: req.ip });
      res.status(403).json({ error: 'wrong join code' });
      return;
    }
    // GitHub logins are case-insensitive: Alice and alice are one student.
    const key = name.toLowerCase();
    try {
      await oneAtATime(key, async () => {
        const taken = await registry.takenBy(name, signal);
        if (taken) {
          log.info('enrollment refused: name taken', { name, by: taken, from: req.ip });
          res.status(409).json({ error: takenMessage(name) });
          return;
        }
        // Past the deadline nothing is minted: the client may have given up, and a token it never got would
        // leave the name taken with no student behind it.
        signal.throwIfAborted();
        const t = await registry.mintToken(name, cfg.datacenter, signal);
        log.info('student enrolled', { name, accessor: t.accessorId, from: req.ip });
        res.status(201).json({
          name,
          nodeName: studentNodeName(name),
          serviceId: studentServiceId(name),
          serviceName: studentServiceName(name),
          token: t.secretId,
          accessorId: t.accessorId,
        });
      });
    } catch (err) {
      failed(res, 'enrollment', err);
    }
  });

  app.delete('/v1/students/:name', async (req: Request, res: Response) => {
    const name = String(req.params.name);
    const token = req.get('X-Consul-Token');
    if (!STUDENT_NAME.test(name) || !token) {
      res.status(403).json({ error: "only a student's own token can free its name" });
      return;
    }
    try {
      await oneAtATime(name.toLowerCase(), async () => {
        const self = await registry.tokenSelf(token);
        if (!self || self.description !== studentTokenDescription(name)) {
          log.warn("leave refused: not that student's token", { name, from: req.ip });
          res.status(403).json({ error: "only a student's own token can free its name" });
          return;
        }
        await registry.deleteToken(self.accessorId);
        log.info('student left', { name, accessor: self.accessorId, from: req.ip });
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
