import type { Logger } from '../shared/logger';
import { type StatusServer, startStatusServer as startShared } from '../shared/statusServer';
import type { RecentResults } from './results';

export type { StatusServer };

export interface StatusServerOptions {
  port: number;
  /** 127.0.0.1 in the program; the tests use it too. */
  bind: string;
  results: RecentResults;
  /** GET /health is 200 once this is true (the first request ran, whatever its outcome), 503 before. */
  ready: () => boolean;
  logger: Logger;
}

/**
 * `GET /results` → `{"results":[…],"tls":…}` (names.ts resultsSchema), `GET /health` → 200 once the first request
 * ran (a failing request is healthy: failing is what exercise 7 shows), 503 before; any other path 404, another method
 * 405. A port that cannot be had is the machine's state: a plain Error (one line, exit 1).
 */
export function startStatusServer(o: StatusServerOptions): Promise<StatusServer> {
  return startShared({
    port: o.port,
    bind: o.bind,
    logger: o.logger,
    results: () => o.results.snapshot(),
    health: () => (o.ready() ? { ok: true } : { ok: false, error: 'no request ran yet' }),
  });
}
