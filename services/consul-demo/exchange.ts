import net from 'node:net';
import { Version, WORDS } from './protocol';

export interface ExchangeResult {
  ok: boolean;
  /** What went wrong, in plain words (null when ok). */
  error: string | null;
  reply: string | null;
}

/** Plain words for the socket errors a learner will meet. */
export function describeSocketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED): nothing listens on that port any more';
    case 'ECONNRESET':
      return 'connection reset by the server (ECONNRESET)';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `address unreachable (${err.code})`;
    default:
      return err.code ? `${err.message}` : `socket error: ${err.message}`;
  }
}

/**
 * One request on a fresh connection: send the word of `version`, read one line, check it is the
 * expected reply. The whole exchange (connect + reply) must finish within `timeoutMs`.
 * A new connection per request keeps each request independent, which is what the lesson measures:
 * every request goes through discovery again.
 */
export function exchange(host: string, port: number, version: Version, timeoutMs: number): Promise<ExchangeResult> {
  const { request, reply: expected } = WORDS[version];
  return new Promise((resolve) => {
    let buf = '';
    let settled = false;
    const socket = net.connect({ host, port });
    const done = (result: ExchangeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, error: `timeout: no reply within ${timeoutMs} ms`, reply: null }), timeoutMs);
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(`${request}\n`));
    socket.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > 4096) done({ ok: false, error: 'reply line too long', reply: null });
        return;
      }
      const line = buf.slice(0, nl).replace(/\r$/, '');
      if (line === expected) done({ ok: true, error: null, reply: line });
      else done({ ok: false, error: `wrong reply to ${request}: ${JSON.stringify(line)} (expected ${expected})`, reply: line });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, error: describeSocketError(err), reply: null }));
    socket.on('close', () => done({ ok: false, error: 'connection closed before a reply', reply: null }));
  });
}
