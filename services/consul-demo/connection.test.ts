import net from 'node:net';
import { ConnectionOptions, ServedConnection, serveConnection } from './connection';

/** A real TCP server on 127.0.0.1:0 whose connections go through serveConnection (unit-test helper). */
async function startTestServer(opts: ConnectionOptions): Promise<{ port: number; connections: ServedConnection[]; close(): Promise<void> }> {
  const connections: ServedConnection[] = [];
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    connections.push(serveConnection(s, opts));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  return {
    port,
    connections,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

/** A raw client that collects everything the server sends and notices when it closes. */
class RawClient {
  readonly socket: net.Socket;
  received = '';
  readonly closed: Promise<void>;
  private waiters: Array<() => void> = [];

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.setEncoding('utf8');
    this.socket.on('data', (d: string) => {
      this.received += d;
      for (const w of this.waiters) w();
    });
    this.socket.on('error', () => undefined);
    this.closed = new Promise((r) => this.socket.on('close', () => r()));
  }

  connected(): Promise<void> {
    return new Promise((r) => (this.socket.readyState === 'open' ? r() : this.socket.once('connect', () => r())));
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolve once `n` complete lines have arrived; reject after timeoutMs. */
  lines(n: number, timeoutMs = 2000): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const ls = this.received.split('\n');
        if (ls.length - 1 >= n) {
          clearTimeout(t);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve(ls.slice(0, n));
          return true;
        }
        return false;
      };
      const t = setTimeout(() => reject(new Error(`only got ${JSON.stringify(this.received)} waiting for ${n} lines`)), timeoutMs);
      this.waiters.push(check);
      check();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

type TestServer = Awaited<ReturnType<typeof startTestServer>>;
let server: TestServer;
const clients: RawClient[] = [];
const client = (): RawClient => {
  const c = new RawClient(server.port);
  clients.push(c);
  return c;
};

beforeEach(async () => {
  server = await startTestServer({ version: 'v1', lineTimeoutMs: 150, idleTimeoutMs: 400 });
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server.close();
});

test('many exchanges on one connection, in order, including pipelined lines', async () => {
  const c = client();
  await c.connected();
  for (let i = 0; i < 20; i++) {
    c.send('ping\n');
    await c.lines(i + 1);
  }
  c.send('ping\nsyn\nping\n'.repeat(10));
  const lines = await c.lines(50);
  expect(lines.slice(0, 20).every((l) => l === 'pong')).toBe(true);
  expect(lines.slice(20, 23)).toEqual(['pong', 'error: expected ping', 'pong']);
  expect(lines.filter((l) => l === 'pong')).toHaveLength(40);
});

test('a line split across packets is answered once complete', async () => {
  const c = client();
  await c.connected();
  c.send('pi');
  await new Promise((r) => setTimeout(r, 30));
  c.send('ng\r\n');
  expect(await c.lines(1)).toEqual(['pong']);
});

test('the wrong word gets an error and the connection stays open', async () => {
  const c = client();
  await c.connected();
  c.send('syn\n');
  expect(await c.lines(1)).toEqual(['error: expected ping']);
  c.send('ping\n');
  expect(await c.lines(2)).toEqual(['error: expected ping', 'pong']);
});

test('a line over 1 KiB closes that connection only', async () => {
  const bad = client();
  const good = client();
  await Promise.all([bad.connected(), good.connected()]);
  bad.send('x'.repeat(1025)); // no newline needed: the limit is enforced as bytes arrive
  await bad.closed;
  expect(bad.received).toBe('error: line too long\n');
  good.send('ping\n');
  expect(await good.lines(1)).toEqual(['pong']);
});

test('exactly 1 KiB is still a line (and gets the wrong-word answer)', async () => {
  const c = client();
  await c.connected();
  c.send('x'.repeat(1024) + '\n');
  expect(await c.lines(1)).toEqual(['error: expected ping']);
});

test.each([
  ['control bytes', Buffer.from([0x00, 0x01, 0x02, 0x1b, 0x5b])],
  ['invalid UTF-8', Buffer.from([0xff, 0xfe, 0xfd, 0x0a])],
])('binary garbage (%s) closes that connection only; answers before it are kept', async (_what, garbage) => {
  const bad = client();
  await bad.connected();
  bad.send(Buffer.concat([Buffer.from('ping\n'), garbage]));
  await bad.closed;
  expect(bad.received).toBe('pong\nerror: binary data\n');
  const good = client();
  await good.connected();
  good.send('ping\n');
  expect(await good.lines(1)).toEqual(['pong']);
});

test('a line that never ends is cut off after the line timeout', async () => {
  const c = client();
  await c.connected();
  const t0 = Date.now();
  c.send('pin');
  await c.closed;
  const took = Date.now() - t0;
  expect(c.received).toBe('error: timeout waiting for end of line\n');
  expect(took).toBeGreaterThanOrEqual(100);
  expect(took).toBeLessThan(2000);
});

test('a trickle of bytes does not reset the line timeout', async () => {
  const c = client();
  await c.connected();
  const timer = setInterval(() => c.socket.writable && c.send('p'), 40);
  try {
    await c.closed;
  } finally {
    clearInterval(timer);
  }
  expect(c.received).toBe('error: timeout waiting for end of line\n');
});

test('a silent connection is closed after the idle timeout', async () => {
  const c = client();
  await c.connected();
  c.send('ping\n');
  await c.lines(1);
  await c.closed;
  expect(c.received).toBe('pong\nerror: idle timeout\n');
});

test('drain: the next answer is sent, then the connection ends', async () => {
  const c = client();
  await c.connected();
  c.send('ping\n');
  await c.lines(1);
  for (const conn of server.connections) conn.drain();
  c.send('ping\n');
  await c.closed;
  expect(c.received).toBe('pong\npong\n');
});
