// The enrollment service's listener: HTTPS only (issue 18: the join code and the students' tokens cross the venue's
// Wi-Fi). The certificate is the classroom CA's (lab:up makes it; students trust that CA). A client speaking plain
// HTTP to the port gets one short 400 "use https" and the connection closed, without its request being read: that is
// what an older lab:join, or a curl without the s, sees instead of a hang-up.
import https from 'node:https';
import type { RequestListener } from 'node:http';
import type { Socket } from 'node:net';

export interface TlsMaterial {
  /** PEM: the certificate, then any intermediates (all served as the chain). */
  certPem: string;
  keyPem: string;
}

export interface EnrollmentServerOptions {
  /** How long a new connection may take to send its first byte (default 10 s). */
  firstByteTimeoutMs?: number;
}

/** The TLS record type of a handshake: every TLS connection starts with it. */
const TLS_HANDSHAKE = 0x16;

const USE_HTTPS = JSON.stringify({ error: 'use https: this service speaks TLS only (https://<address>:8099)' });
const PLAIN_HTTP_ANSWER =
  'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n' +
  `Content-Length: ${Buffer.byteLength(USE_HTTPS)}\r\n\r\n${USE_HTTPS}`;

export interface EnrollmentServer {
  server: https.Server;
  /** Listens on `host:port`; a one-line error when it cannot (address in use). */
  listen(port: number, host: string): Promise<void>;
  /** Stops accepting, lets requests in flight finish (up to `graceMs`, default 3 s), then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

/** An https server for `app` that answers plain HTTP on the same port with a 400. */
export function createEnrollmentServer(app: RequestListener, tls: TlsMaterial, opts: EnrollmentServerOptions = {}): EnrollmentServer {
  /** Connections still before their first byte: not yet the TLS server's, so closed here on close(). */
  const sniffing = new Set<Socket>();
  // A short handshake timeout (Node's default is 120 s): a connection that never finishes one is dropped sooner.
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem, minVersion: 'TLSv1.2', handshakeTimeout: 10_000 }, app);
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  // The TLS server starts its handshake on 'connection': look at the first byte first, then hand the socket over
  // (Node's TLS socket takes the bytes already read from the plain socket's buffer).
  const startTls = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    sniffing.add(socket);
    socket.once('close', () => sniffing.delete(socket));
    const onError = (): void => {
      socket.destroy();
    };
    const onTimeout = (): void => {
      socket.destroy();
    };
    socket.on('error', onError);
    socket.setTimeout(opts.firstByteTimeoutMs ?? 10_000);
    socket.on('timeout', onTimeout);
    socket.once('readable', () => {
      sniffing.delete(socket);
      socket.setTimeout(0);
      socket.off('timeout', onTimeout);
      const chunk = socket.read() as Buffer | null;
      if (!chunk || chunk.length === 0) {
        socket.destroy();
        return;
      }
      if (chunk[0] === TLS_HANDSHAKE) {
        socket.unshift(chunk);
        socket.off('error', onError);
        // Errors after the hand-over surface on the TLS socket; this one only keeps the raw socket's from crashing.
        socket.on('error', () => undefined);
        for (const l of startTls) l.call(server, socket);
        return;
      }
      // Not TLS: no more of it is read. The socket is destroyed a moment later even if the client keeps it open.
      socket.end(PLAIN_HTTP_ANSWER);
      setTimeout(() => socket.destroy(), 2000).unref();
    });
  });
  return {
    server,
    listen: (port, host) =>
      new Promise<void>((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException): void =>
          reject(new Error(`cannot listen on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}`));
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          resolve();
        });
      }),
    close: (graceMs = 3000) =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
        for (const s of sniffing) s.destroy();
      }),
  };
}
