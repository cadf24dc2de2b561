import http from 'node:http';
import type { Logger } from '../shared/logger';
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

export interface StatusServer {
  /** The port it listens on. */
  port: number;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/**
 * `GET /results` → `{"results":[…]}` (oldest first), `GET /health` → 200; any other path 404, another method on
 * these two 405. Read-only and small, so plain node:http. A port that cannot be had (taken by another process) is
 * the machine's state, not bad input: a plain Error, one line and exit 1, as lab-view and the other services do.
 */
export function startStatusServer(opts: { port: number; bind: string; results: RecentResults; logger: Logger }): Promise<StatusServer> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://status').pathname;
    const known = path === '/results' || path === '/health';
    if (!known) return send(res, 404, { error: 'not found: GET /results or /health' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
    if (path === '/health') return send(res, 200, { ok: true });
    send(res, 200, { results: opts.results.list() });
  });
  // A hung or slow reader must not hold sockets for long: the responses are small.
  server.requestTimeout = 5000;
  server.headersTimeout = 5000;
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`--status-port ${opts.port}: cannot listen on ${opts.bind}:${opts.port} (${err.code ?? err.message})`)),
    );
    server.listen({ host: opts.bind, port: opts.port }, () => {
      server.removeAllListeners('error');
      server.on('error', (err) => opts.logger.error('status endpoint error', { error: err.message }));
      const port = (server.address() as { port: number }).port;
      opts.logger.info('status endpoint listening', { address: `http://${opts.bind}:${port}`, paths: '/results /health' });
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
