// Real loopback servers for the unit tests: each stands for one thing the upstream can do.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

export interface Running {
  port: number;
  close(): Promise<void>;
}

/** Listen on 127.0.0.1, a free port; close() also ends the connections still open. */
export function listenOn(server: net.Server): Promise<Running> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

/** Answers each line as inventory-db does PING: `PONG`. */
export const pongServer = (): Promise<Running> =>
  listenOn(
    net.createServer((s) => {
      s.on('data', (d) => {
        for (let i = 0; i < d.toString().split('\n').length - 1; i++) s.write('PONG\n');
      });
    }),
  );

/** Accepts, then closes at once without a word: what Consul's built-in proxy does when an intention denies. */
export const closingServer = (): Promise<Running> => listenOn(net.createServer((s) => s.end()));

/** Accepts, then resets. */
export const resettingServer = (): Promise<Running> => listenOn(net.createServer((s) => s.resetAndDestroy()));

/** Accepts and never answers. */
export const silentServer = (): Promise<Running> => listenOn(net.createServer(() => undefined));

/** Answers `reply` (raw) to whatever comes. */
export const replyingServer = (reply: string): Promise<Running> =>
  listenOn(net.createServer((s) => s.once('data', () => s.end(reply, 'latin1'))));

/** A port where nothing listens (a server bound, then closed: the OS gives it back). */
export async function freePort(): Promise<number> {
  const r = await listenOn(net.createServer());
  await r.close();
  return r.port;
}

export const haveOpenssl = spawnSync('openssl', ['version']).status === 0;

export interface TestCert {
  keyPem: string;
  certPem: string;
}

/**
 * A self-signed EC certificate with a URI SAN, as a Connect leaf has one (made by `openssl`: Node cannot write an
 * X.509 certificate itself). Only call when haveOpenssl.
 */
export function makeCert(cn: string, uri: string): TestCert {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'inventory-client-cert-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        `/CN=${cn}`,
        '-addext',
        `subjectAltName=URI:${uri}`,
      ],
      { stdio: 'ignore' },
    );
    return { keyPem: readFileSync(key, 'utf8'), certPem: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A TLS server on loopback; `requireClientCert`: as a Connect sidecar's public listener (mutual TLS). */
export const tlsServer = (cert: TestCert, opts: { requireClientCert: boolean; maxVersion?: tls.SecureVersion }): Promise<Running> =>
  listenOn(
    tls.createServer(
      {
        key: cert.keyPem,
        cert: cert.certPem,
        requestCert: opts.requireClientCert,
        rejectUnauthorized: opts.requireClientCert,
        ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
      },
      (s) => s.on('error', () => undefined),
    ),
  );
