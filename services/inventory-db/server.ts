import net from 'node:net';
import { answer, LIMITS, type Store } from './protocol';

export interface InventoryServerOptions {
  port: number;
  bind: string;
  /** At most this many clients at once; one more is told so and closed. */
  maxConnections?: number;
  /** A client silent this long is closed. */
  idleMs?: number;
}

/**
 * The TCP server: lines in, lines out, one shared in-memory store. It knows nothing of Consul — that is the point
 * of exercise 6: the host agent's service definition registers it and checks it with a TCP connect.
 */
export function createInventoryServer(o: InventoryServerOptions): net.Server {
  const store: Store = new Map();
  const maxConnections = o.maxConnections ?? 64;
  const server = net.createServer((socket) => {
    socket.setEncoding('utf8');
    socket.setTimeout(o.idleMs ?? 60_000, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    let buffered = '';
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const a = answer(line, store);
        socket.write(`${a.reply}\n`);
        if (a.close) {
          socket.end();
          return;
        }
      }
      // A line that never ends would grow without bound: answer once and hang up.
      if (buffered.length > LIMITS.lineLength) {
        socket.end(`ERR line longer than ${LIMITS.lineLength} characters\n`);
        buffered = '';
      }
    });
  });
  // Past this Node closes new connections at once: a stand-in database must not be a way to exhaust a host.
  server.maxConnections = maxConnections;
  return server;
}

/** Listen, or reject with one line (the port taken, the address not ours). */
export function listen(server: net.Server, port: number, bind: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`cannot listen on ${bind}:${port}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}`)),
    );
    server.listen(port, bind, () => resolve());
  });
}
