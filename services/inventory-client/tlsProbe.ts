import tls from 'node:tls';
import { terminalSafeText } from '../shared/terminalText';
import { type IpPort, formatIpPort } from './address';
import { describeSocketError, pingOnce } from './exchange';
import type { TlsRecord } from './names';

/** What the records keep of a peer certificate (every string from the peer made terminal-safe). */
export interface CertificateFacts {
  uri: string | null;
  issuer: string | null;
  serial: string | null;
  validTo: string | null;
}

/** The first URI of a certificate's subjectAltName as Node writes it (`DNS:a, URI:spiffe://…`, quoted when odd). */
export function uriSan(subjectAltName: string | undefined): string | null {
  if (!subjectAltName) return null;
  const m = /(?:^|, )URI:("(?:[^"\\]|\\.)*"|[^,]*)/.exec(subjectAltName);
  if (!m) return null;
  const raw = m[1]!;
  if (!raw.startsWith('"')) return raw;
  try {
    return String(JSON.parse(raw));
  } catch {
    return raw;
  }
}

/** One field of a subject or issuer: Node gives a string, or an array when the name repeats it. */
function field(v: string | string[] | undefined): string | null {
  if (v === undefined) return null;
  return Array.isArray(v) ? (v[0] ?? null) : v;
}

/**
 * The facts of a peer certificate as `getPeerCertificate()` returns it, or undefined when there is none (Node
 * returns `{}` then, or null for a closed socket).
 */
export function certificateFacts(cert: Partial<tls.PeerCertificate> | null | undefined): CertificateFacts | undefined {
  if (!cert || !cert.raw) return undefined;
  const safe = (s: string | null): string | null => (s === null ? null : terminalSafeText(s, 200));
  const validTo = cert.valid_to ? new Date(cert.valid_to) : undefined;
  return {
    uri: safe(uriSan(cert.subjectaltname)),
    issuer: safe(field(cert.issuer?.CN)),
    serial: cert.serialNumber ? safe(cert.serialNumber) : null,
    validTo: validTo && !Number.isNaN(validTo.getTime()) ? validTo.toISOString() : cert.valid_to ? safe(cert.valid_to) : null,
  };
}

/**
 * A TLS error as one short line: OpenSSL's reason (`tlsv13 alert certificate required`) and the alert's number, without
 * its codes and source file (`…:error:0A00045C:SSL routines:ssl3_read_bytes:<reason>:../deps/….c:1605:SSL alert number 116`).
 */
export function describeTlsError(err: NodeJS.ErrnoException & { reason?: unknown }): string {
  if (err.code && !err.code.startsWith('ERR_SSL')) return describeSocketError(err);
  const reason =
    typeof err.reason === 'string' && err.reason !== ''
      ? err.reason
      : (/error:[0-9A-Fa-f]+:[^:]*:[^:]*:([^:]+)/.exec(err.message)?.[1] ?? err.message);
  const alert = /SSL alert number (\d+)/.exec(err.message)?.[1];
  return terminalSafeText(`${reason.trim()}${alert ? ` (alert ${alert})` : ''}`, 120);
}

interface Handshake {
  facts?: CertificateFacts;
  refused: boolean;
  refusal: string | null;
  error?: string;
}

/**
 * A TLS handshake with no client certificate and no verification (we want to SEE the certificate, not trust it), then
 * a wait of up to `timeoutMs` for the server to refuse us. Nothing is sent over the TLS connection.
 */
function handshake(target: IpPort, timeoutMs: number): Promise<Handshake> {
  return new Promise((resolve) => {
    let done = false;
    let facts: CertificateFacts | undefined;
    // servername unset: for an IP literal Node sends no SNI, as a Connect proxy dialling by address does not either.
    const socket = tls.connect({ host: target.host, port: target.port, rejectUnauthorized: false });
    const finish = (h: Handshake): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(h);
    };
    const refusedWith = (why: string): void => finish({ facts, refused: true, refusal: why });
    let timer = setTimeout(() => finish({ refused: false, refusal: null, error: 'timed out' }), timeoutMs);
    socket.on('secureConnect', () => {
      facts = certificateFacts(socket.getPeerCertificate(true));
      // The handshake is ours; with TLS 1.3 the server checks our (missing) certificate after it and answers with an
      // alert. Give it the same time again: a server that says nothing did not refuse us.
      clearTimeout(timer);
      timer = setTimeout(() => finish({ facts, refused: false, refusal: null }), timeoutMs);
    });
    socket.on('data', () => undefined); // read, so that an alert arriving after the handshake is seen
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (facts) return refusedWith(describeTlsError(err));
      // TLS 1.2 refuses inside the handshake, after the server's certificate has come: keep it if we have it.
      const early = certificateFacts(socket.getPeerCertificate(true));
      if (early) {
        facts = early;
        return refusedWith(describeTlsError(err));
      }
      finish({ refused: false, refusal: null, error: describeTlsError(err) });
    });
    socket.on('end', () => (facts ? refusedWith('closed') : undefined));
    socket.on('close', () =>
      facts ? refusedWith('closed') : finish({ refused: false, refusal: null, error: 'closed during the TLS handshake' }),
    );
  });
}

/**
 * The probe of a Connect sidecar's public listener: a TLS handshake without a client certificate (what certificate
 * does it show, does it refuse us), then one plain `PING` to the same address (it must get no `PONG`).
 */
export async function probeTls(target: IpPort, timeoutMs: number, now: () => Date = () => new Date()): Promise<TlsRecord> {
  const at = now().toISOString();
  const h = await handshake(target, timeoutMs);
  const plain = await pingOnce(target, timeoutMs);
  return {
    kind: 'tls',
    at,
    target: formatIpPort(target),
    ok: h.facts !== undefined,
    uri: h.facts?.uri ?? null,
    issuer: h.facts?.issuer ?? null,
    serial: h.facts?.serial ?? null,
    validTo: h.facts?.validTo ?? null,
    refused: h.refused,
    refusal: h.refusal,
    plainAnswered: plain.ok,
    plainOutcome: plain.ok ? 'PONG' : (plain.error ?? 'no answer'),
    ...(h.error !== undefined ? { error: h.error } : {}),
  };
}
