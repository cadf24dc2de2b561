import http from 'node:http';
import type { Logger } from './logger';

/**
 * A client's small read-only status endpoint (consul-demo's and inventory-client's): `GET /results` → `results()`
 * as JSON, `GET /health` → 200 while `health()` says ok, else 503 with its reason; any other path 404, another
 * method 405. The lab view and the containers' healthchecks read it. A port that cannot be had is the machine's
 * state, not bad input: a plain Error (one line, exit 1).
 */
export interface StatusServer {
  port: number;
  close(): Promise<void>;
}

export interface StatusServerOptions {
  port: number;
  bind: string;
  logger: Logger;
  results: () => unknown;
  /** ok: 200; else 503 with `error`. */
  health: () => { ok: true } | { ok: false; error: string };
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

export function startStatusServer(o: StatusServerOptions): Promise<StatusServer> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://status').pathname;
    if (path !== '/results' && path !== '/health') return send(res, 404, { error: 'not found: GET /results or /health' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
    if (path === '/health') {
      const h = o.health();
      return h.ok ? send(res, 200, { ok: true }) : send(res, 503, { ok: false, error: h.error });
    }
    send(res, 200, o.results());
  });
  // A hung or slow reader must not hold sockets for long: the answers are small.
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
