import http from 'node:http';
import type { Health } from './registrator';

export interface StatusServer {
  port: number;
  close(): Promise<void>;
}

/**
 * GET /health on 127.0.0.1 for the container's healthcheck: 200 "ok" when the event stream is connected and the
 * last reconcile succeeded, 503 with the one-line reason otherwise. Loopback only: it says nothing anyone else needs.
 */
export function startStatusServer(port: number, health: () => Health): Promise<StatusServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/health') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const h = health();
    res.writeHead(h.ok ? 200 : 503, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(`${h.ok ? 'ok' : h.reason}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`status server: cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message}`)),
    );
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
