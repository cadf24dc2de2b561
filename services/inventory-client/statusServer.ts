import http from 'node:http';
import type { Logger } from '../shared/logger';
import type { RecentResults } from './results';

export interface StatusServer {
  port: number;
  close(): Promise<void>;
}

export interface StatusServerOptions {
  port: number;
  /** 127.0.0.1 in the program; the tests use it too. */
  bind: string;
  results: RecentResults;
  /** GET /health is 200 once this is true (the first request ran, whatever its outcome), 503 before. */
  ready: () => boolean;
  logger: Logger;
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
 * `GET /results` → `{"results":[…],"tls":…}` (names.ts resultsSchema), `GET /health` → 200 once the first request
 * ran (a failing request is healthy: failing is what exercise 7 shows), 503 before; any other path 404, another method
 * 405. A port that cannot be had is the machine's state: a plain Error (one line, exit 1).
 */
export function startStatusServer(o: StatusServerOptions): Promise<StatusServer> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://status').pathname;
    if (path !== '/results' && path !== '/health') return send(res, 404, { error: 'not found: GET /results or /health' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
    if (path === '/health') return o.ready() ? send(res, 200, { ok: true }) : send(res, 503, { ok: false, error: 'no request ran yet' });
    send(res, 200, o.results.snapshot());
  });
  // A slow reader must not hold sockets for long: the answers are small.
  server.requestTimeout = 5000;
  server.headersTimeout = 5000;
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`--status-port ${o.port}: cannot listen on ${o.bind}:${o.port} (${err.code ?? err.message})`)),
    );
    server.listen({ host: o.bind, port: o.port }, () => {
      server.removeAllListeners('error');
      server.on('error', (err) => o.logger.error('status endpoint error', { error: err.message }));
      const port = (server.address() as { port: number }).port;
      o.logger.info('status endpoint listening', { address: `http://${o.bind}:${port}`, paths: '/results /health' });
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
