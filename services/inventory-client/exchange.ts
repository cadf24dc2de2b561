import net from 'node:net';
import { terminalSafeLine } from '../shared/terminalText';
import { REQUEST_ERRORS, UNEXPECTED_REPLY_PREFIX } from './names';
import type { IpPort } from './address';

/** What one `PING` got: ok with `PONG`, or the one-line reason (names.ts REQUEST_ERRORS, or an unexpected reply). */
export interface PingOutcome {
  ok: boolean;
  /** Connect to reply (or failure), in ms, to a tenth. */
  ms: number;
  reply?: string;
  error?: string;
}

/** The most of a reply a record shows. */
export const REPLY_SHOWN_CHARS = 40;
/** A reply line longer than this is not PONG: stop reading. */
const MAX_READ_BYTES = 1024;

/** A reply as a record shows it: its first REPLY_SHOWN_CHARS characters, terminal-safe (controls escaped). */
export function shownReply(text: string): string {
  return terminalSafeLine(
    Array.from(text.slice(0, REPLY_SHOWN_CHARS * 2))
      .slice(0, REPLY_SHOWN_CHARS)
      .join(''),
  );
}

/** A system error as one short line: what the lesson distinguishes by name, anything else with its code. */
export function describeSocketError(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return REQUEST_ERRORS.refused;
  // A reset comes only after the handshake (a refused SYN is ECONNREFUSED), even when Node reports it before its
  // 'connect' event: accepted, then reset, which for a client is the same lesson as a close (the proxy hung up on us).
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return REQUEST_ERRORS.closed;
  const reasons: Record<string, string> = {
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    EADDRNOTAVAIL: 'address not available',
  };
  const why = (err.code && reasons[err.code]) ?? terminalSafeLine(err.message).slice(0, 80);
  return err.code ? `${why} (${err.code})` : why;
}

/**
 * Connect to `target`, send `PING\n`, and wait for one line within `timeoutMs` (connect included). Nothing else is
 * ever sent. Never rejects: every outcome is a PingOutcome.
 */
export function pingOnce(target: IpPort, timeoutMs: number): Promise<PingOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const elapsed = (): number => Math.round((performance.now() - started) * 10) / 10;
    let connected = false;
    let done = false;
    let got = '';
    const socket = net.connect({ host: target.host, port: target.port });
    const finish = (o: Omit<PingOutcome, 'ms'>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...o, ms: elapsed() });
    };
    const judge = (line: string): void => {
      const reply = line.replace(/\r$/, '');
      if (reply === 'PONG') finish({ ok: true, reply });
      else finish({ ok: false, reply: shownReply(reply), error: `${UNEXPECTED_REPLY_PREFIX}"${shownReply(reply)}"` });
    };
    const timer = setTimeout(() => finish({ ok: false, error: REQUEST_ERRORS.timeout }), timeoutMs);
    socket.setEncoding('latin1'); // bytes as they came: a reply that is not text is shown escaped, not mangled
    socket.on('connect', () => {
      connected = true;
      socket.write('PING\n');
    });
    socket.on('data', (chunk: string) => {
      got += chunk;
      const nl = got.indexOf('\n');
      if (nl >= 0) judge(got.slice(0, nl));
      else if (got.length > MAX_READ_BYTES) judge(got);
    });
    // A reply cut off by the close is still a reply: judge what came.
    socket.on('end', () => (got === '' ? finish({ ok: false, error: REQUEST_ERRORS.closed }) : judge(got)));
    socket.on('close', () =>
      finish({ ok: false, error: got === '' ? REQUEST_ERRORS.closed : `${UNEXPECTED_REPLY_PREFIX}"${shownReply(got)}"` }),
    );
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (connected && got !== '') return judge(got);
      finish({ ok: false, error: describeSocketError(err) });
    });
  });
}
