/*
 * Blocking queries (`?index=N&wait=30s`) through the `consul` client's own watch (`consul.watch`, papi's request
 * with X-Consul-Index). Two things the lab needs that the client's watch alone does not do:
 * - it retries forever: the client's watch ends on a 400 or an answer without an index, and keeps its last index
 *   after an error, so the first answer once Consul is back could block for a whole `wait`. So each run of the
 *   client's watch ends at its first error (maxAttempts 0) and this starts a new one from index 0 after a back-off
 *   that doubles from min to max;
 * - stop() ends the request in flight (the client's end() emits "cancel", papi's hook) and waits for nothing else.
 */
import { WakeableSleep } from '../wakeableSleep';
import type { ConsulClient } from './client';

/**
 * A client call that takes Consul's common options (`consul.health.service`, unbound: the client's watch calls it
 * with `this` = { consul }). `never`: any such call, whatever its own options type.
 */
export type WatchMethod = (opts: never) => Promise<unknown>;

export interface WatchOptions {
  consul: ConsulClient;
  /** e.g. `consul.health.service`, `consul.health.state`. */
  method: WatchMethod;
  /** The method's own options: `{ service: 'workshop' }`, `{ state: 'any' }`. */
  options: Record<string, string>;
  /** Consul's `wait`; the request's own timeout is a little longer. */
  waitMs: number;
  /** Every answer whose index moved (the first one always). */
  onData: (body: unknown) => void;
  /** Once per failed request; the watch then waits and starts over from index 0. */
  onError: (err: unknown) => void;
  /** Back-off after a failure, ms: doubles from min (500) to max (5000). */
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface Watch {
  stop(): Promise<void>;
}

/** Run one blocking query after another until stopped. */
export function watch(opts: WatchOptions): Watch {
  const min = opts.retryMinMs ?? 500;
  const max = opts.retryMaxMs ?? 5000;
  const pause = new WakeableSleep();
  let stopped = false;
  let current: ReturnType<ConsulClient['watch']> | undefined;
  let delay = min;

  /** One run of the client's watch: resolves at its first error (or when stopped). */
  const run = (): Promise<void> =>
    new Promise((resolve) => {
      const w = opts.consul.watch({
        method: opts.method,
        options: {
          ...opts.options,
          wait: `${Math.round(opts.waitMs / 1000)}s`,
          // papi's request timeout; the typings take options as strings only.
          timeout: Math.round(opts.waitMs + Math.max(opts.waitMs / 16, 5000)) as unknown as string,
        },
        maxAttempts: 0,
      });
      current = w;
      w.on('change', (body: unknown) => {
        delay = min;
        opts.onData(body);
      });
      w.on('error', (err: unknown) => {
        if (!stopped) opts.onError(err);
      });
      w.on('end', () => resolve());
    });

  const done = (async () => {
    while (!stopped) {
      await run();
      if (stopped) return;
      await pause.sleep(delay);
      delay = Math.min(delay * 2, max);
    }
  })();

  return {
    async stop() {
      stopped = true;
      current?.end();
      pause.wake({ stop: true });
      await done;
    },
  };
}

/** papi's GET as the `consul` client's own calls make it (`_get(req, next)`); the package's typings leave it out. */
interface PapiResult {
  err?: Error & { response?: unknown };
  res?: { body?: unknown };
  ctx?: { includeResponse?: boolean };
}
type PapiGet = (req: object, next: (request: PapiResult, next: (...args: unknown[]) => void) => void) => Promise<unknown>;

/**
 * A WatchMethod for a GET the `consul` client has no call for (`/connect/intentions`, `/connect/ca/roots`: both
 * blocking endpoints), built as the client builds its own (health.js: papi's `_get` with the common options
 * index, wait, dc, the token and the request timeout and context), so `watch` runs it like `consul.health.service`.
 * `path` is under /v1 and already encoded.
 */
export function pathWatchMethod(path: string): WatchMethod {
  return async function (this: { consul: ConsulClient }, opts: Record<string, unknown>): Promise<unknown> {
    const query: Record<string, string> = {};
    for (const k of ['index', 'wait', 'dc'] as const) if (opts[k] !== undefined && opts[k] !== '') query[k] = String(opts[k]);
    const headers: Record<string, string> = {};
    if (typeof opts.token === 'string' && opts.token !== '') headers['x-consul-token'] = opts.token;
    const req = {
      name: `GET ${path}`,
      path,
      query,
      headers,
      ctx: opts.ctx,
      ...(typeof opts.timeout === 'number' ? { timeout: opts.timeout } : {}),
    };
    const get = (this.consul as unknown as { _get: PapiGet })._get.bind(this.consul);
    return get(req, (request, next) => {
      // As the client's utils.body: the error with its response (the watch reads its status), else [res, body].
      if (request.err) {
        if (request.ctx?.includeResponse) request.err.response = request.res;
        return next(false, request.err);
      }
      const body = request.res?.body;
      next(false, undefined, request.ctx?.includeResponse ? [request.res, body] : body);
    });
  } as unknown as WatchMethod;
}
