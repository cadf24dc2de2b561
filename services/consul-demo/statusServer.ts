import type { Logger } from '../shared/logger';
import { type StatusServer, startStatusServer as startShared } from '../shared/statusServer';
import type { DiscoveryMethod } from './discovery/types';
import { RingBuffer } from './ringBuffer';
import type { ClientRequestLine } from './summary';

/**
 * One request as `GET /results` reports it. Another program (the live lab view) reads these names: change them
 * only together with it.
 */
export interface StatusResult {
  at: string;
  ok: boolean;
  /** 1 = first try. */
  attempts: number;
  discovery: DiscoveryMethod;
  /** `ip:port` of the final attempt's instance; null when none was found. */
  instance: string | null;
  /** The protocol version the instance spoke (its tag), v1 or v2; null when none was found. */
  version: string | null;
  error: string | null;
}

/** How many requests `GET /results` returns: enough for a live view, bounded whatever the uptime. */
export const STATUS_RESULTS_KEPT = 200;

export function statusResultFrom(r: ClientRequestLine): StatusResult {
  return {
    at: r.ts,
    ok: r.ok,
    attempts: r.attempts,
    discovery: r.discovery,
    instance: r.address !== null && r.port !== null ? `${r.address}:${r.port}` : null,
    version: r.protocol,
    error: r.error,
  };
}

/** The client's recent results, kept for the status endpoint. */
export class RecentResults {
  private readonly ring: RingBuffer<StatusResult>;

  constructor(capacity = STATUS_RESULTS_KEPT) {
    this.ring = new RingBuffer(capacity);
  }

  add(r: ClientRequestLine): void {
    this.ring.push(statusResultFrom(r));
  }

  list(): StatusResult[] {
    return this.ring.toArray();
  }
}

export type { StatusServer };

/**
 * `GET /results` → `{"results":[…]}` (oldest first), `GET /health` → 200; any other path 404, another method on
 * these two 405 (services/shared/statusServer.ts). A port that cannot be had (taken by another process) is
 * the machine's state, not bad input: a plain Error, one line and exit 1, as lab-view and the other services do.
 */
export function startStatusServer(opts: { port: number; bind: string; results: RecentResults; logger: Logger }): Promise<StatusServer> {
  return startShared({
    port: opts.port,
    bind: opts.bind,
    logger: opts.logger,
    results: () => ({ results: opts.results.list() }),
    health: () => ({ ok: true }),
  });
}
