import fc from 'fast-check';
import net from 'node:net';
import { sleep } from '../shared/async';
import { CloseReason, ConnectionOptions, ServedConnection, serveConnection } from './connection';
import { replyTo } from './protocol';

/** A real TCP server on 127.0.0.1:0 whose connections go through serveConnection (unit-test helper). */
async function startTestServer(opts: ConnectionOptions): Promise<{
  port: number;
  connections: ServedConnection[];
  /** The server side of each connection, in accept order (to watch what it buffers). */
  sockets: net.Socket[];
  closeReasons: CloseReason[];
  close(): Promise<void>;
}> {
  const connections: ServedConnection[] = [];
  const sockets: net.Socket[] = [];
  const closeReasons: CloseReason[] = [];
  const srv = net.createServer((s) => {
    sockets.push(s);
    connections.push(serveConnection(s, { ...opts, onClose: (reason) => closeReasons.push(reason) }));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  return {
    port,
    connections,
    sockets,
    closeReasons,
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

const DEFAULT_OPTS: ConnectionOptions = { version: 'v1', lineTimeoutMs: 150, idleTimeoutMs: 400 };
beforeEach(async () => {
  server = await startTestServer(DEFAULT_OPTS);
});
/** For a test that needs other options: replaces the default server (afterEach closes it). */
async function restartServer(opts: Partial<ConnectionOptions>): Promise<void> {
  await server.close();
  server = await startTestServer({ ...DEFAULT_OPTS, ...opts });
}
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
  // Not a timeout test: with the default 150 ms, a loaded machine (the whole suite on 2 cores) stalled the 30 ms
  // pause past the line timeout and the connection was closed mid-line.
  await restartServer({ lineTimeoutMs: 5000 });
  const c = client();
  await c.connected();
  c.send('pi');
  await sleep(30);
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

test('the reasons the server closes connections reach onClose, once each (the server summarises them)', async () => {
  const a = client();
  const b = client();
  await Promise.all([a.connected(), b.connected()]);
  a.send('x'.repeat(2000));
  b.send(Buffer.from([0x00]));
  await Promise.all([a.closed, b.closed]);
  expect([...server.closeReasons].sort()).toEqual(['binary data', 'line too long']);
});

describe('backpressure', () => {
  // Below the socket's write high-water mark (16 KiB), so the cap is reached before reading pauses, whatever
  // size the reads come in (with a larger cap, a non-reader may instead stall below it: see the next tests).
  const CAP = 4 * 1024;

  test('a client that sends lines but never reads: the server stops reading, holds at most the cap, and closes it', async () => {
    await restartServer({ idleTimeoutMs: 10_000, lineTimeoutMs: 10_000, maxReplyBacklogBytes: CAP });
    const c = client();
    await c.connected();
    c.socket.pause(); // never read a reply
    // Empty lines: 1 byte in, 21 bytes (`error: expected ping`) out, the cheapest way to make a server buffer.
    // Bounded: 8 MiB in 64 KiB writes, each waiting for the client socket's own 'drain'.
    const chunk = Buffer.alloc(64 * 1024, 0x0a);
    let sent = 0;
    let peakBacklog = 0;
    const sample = setInterval(() => {
      const s = server.sockets[0];
      if (s) peakBacklog = Math.max(peakBacklog, s.writableLength);
    }, 5);
    try {
      while (sent < 8 * 1024 * 1024 && !c.socket.destroyed) {
        sent += chunk.length;
        if (!c.socket.write(chunk)) {
          const drained = await Promise.race([
            new Promise<boolean>((r) => c.socket.once('drain', () => r(true))),
            new Promise<boolean>((r) => setTimeout(() => r(false), 1500)),
          ]);
          if (!drained) break; // the server stopped reading: flow control reached us
        }
      }
      const t0 = Date.now();
      while (server.closeReasons.length === 0 && Date.now() - t0 < 5000) await sleep(20);
    } finally {
      clearInterval(sample);
    }
    expect(server.closeReasons).toEqual(['reply backlog over cap']);
    // A paused client only notices the reset once it reads (or writes) again.
    c.socket.resume();
    await c.closed;
    // The cap plus one batch of replies (16 KiB) is the most it may have held; sampled, so a bit of slack.
    expect(peakBacklog).toBeLessThanOrEqual(CAP + 16 * 1024 + 1024);
    expect(sent).toBeLessThan(8 * 1024 * 1024); // it stopped reading long before all of it was sent
  }, 20_000);

  test('a pipelining client that reads slowly gets every reply, in order, and stays connected', async () => {
    await restartServer({ idleTimeoutMs: 10_000, lineTimeoutMs: 10_000 });
    const c = client();
    await c.connected();
    const n = 40_000; // 200 kB of `ping\n`: more than the socket buffers hold, so the server must wait for us
    c.socket.pause();
    c.send('ping\n'.repeat(n));
    // Read in small sips with pauses, so the server's writes back up and it has to pause and resume.
    const sip = setInterval(() => {
      c.socket.resume();
      setTimeout(() => c.socket.pause(), 2);
    }, 20);
    try {
      const lines = await c.lines(n, 15_000);
      expect(lines.every((l) => l === 'pong')).toBe(true);
    } finally {
      clearInterval(sip);
      c.socket.resume();
    }
    expect(server.closeReasons).toEqual([]);
    expect(c.socket.destroyed).toBe(false);
  }, 20_000);

  test('a client that stops reading while its line is unfinished is closed as not reading, not as a slow line', async () => {
    await restartServer({ idleTimeoutMs: 300, lineTimeoutMs: 300 });
    const c = client();
    await c.connected();
    c.socket.pause();
    // Enough empty lines to fill the socket buffers, then the start of a line.
    const flood = Buffer.concat([Buffer.alloc(256 * 1024, 0x0a), Buffer.from('pin')]);
    c.socket.write(flood);
    const t0 = Date.now();
    while (server.closeReasons.length === 0 && Date.now() - t0 < 5000) await sleep(20);
    expect(server.closeReasons).toEqual(['replies not read']);
    // A paused client does not notice the reset until it reads again.
    c.socket.resume();
    await c.closed;
  }, 10_000);
});

describe('the line protocol, for any input (property-based)', () => {
  /** Printable text without a newline, up to the 1 KiB limit: what a well-behaved client may send as a line. */
  const lineArb = fc
    .oneof(
      fc.constantFrom('ping', 'syn', 'PING', ' ping\r', '', 'pong'),
      fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => ![...Buffer.from(s)].some((b) => b < 0x20 || b === 0x7f)),
    )
    .filter((s) => Buffer.byteLength(s) <= 1024);

  test('every line gets exactly its reply, in order, however the bytes are split into packets', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineArb, { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
        async (lines, cuts) => {
          const c = client();
          try {
            await c.connected();
            const bytes = Buffer.from(lines.map((l) => l + '\n').join(''));
            // Split at the generated sizes (cycled), with a pause between packets so they arrive apart.
            for (let at = 0, i = 0; at < bytes.length; i++) {
              const size = cuts[i % cuts.length]!;
              c.send(bytes.subarray(at, at + size));
              at += size;
              if (i % 3 === 2) await sleep(1);
            }
            const got = await c.lines(lines.length, 3000);
            expect(got).toEqual(lines.map((l) => replyTo('v1', l)));
          } finally {
            c.destroy();
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);

  test('a line with a control byte anywhere closes the connection with "binary data", after the answers before it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('ping', 'syn'), { maxLength: 5 }),
        // eslint-disable-next-line no-control-regex -- the point: words without control bytes
        fc.string({ unit: 'grapheme-ascii', maxLength: 10 }).filter((s) => !/[\x00-\x1f\x7f]/.test(s)),
        fc.integer({ min: 0, max: 0x1f }).filter((b) => b !== 0x09 && b !== 0x0a && b !== 0x0d),
        async (before, text, ctl) => {
          const c = client();
          try {
            await c.connected();
            c.send(Buffer.concat([Buffer.from(before.map((l) => l + '\n').join('') + text), Buffer.from([ctl]), Buffer.from('ping\n')]));
            await c.closed;
            expect(c.received).toBe(before.map((l) => replyTo('v1', l) + '\n').join('') + 'error: binary data\n');
          } finally {
            c.destroy();
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});

test('a client that half-closes with replies still queued (and never reads) is closed within a bound', async () => {
  await restartServer({ idleTimeoutMs: 300, lineTimeoutMs: 300 });
  const c = client();
  await c.connected();
  c.socket.pause(); // never read a reply
  // Pipeline pings until the kernel buffers are full and replies queue in the server's socket, but stop
  // before the server's write buffer is full (it would stop reading, and then never see the FIN).
  const group = Buffer.from('ping\n'.repeat(400));
  let wrote = 0;
  const t0 = Date.now();
  for (;;) {
    const s = server.sockets[0];
    if (s && s.writableLength > 0) break;
    if (Date.now() - t0 > 10_000) throw new Error('the kernel buffers never filled');
    c.socket.write(group);
    wrote += group.length;
    // Let the server read and answer this group before the next one.
    while (!server.sockets[0] || server.sockets[0].bytesRead < wrote) await sleep(1);
  }
  const s = server.sockets[0]!;
  expect(s.isPaused()).toBe(false);
  const closed = new Promise<void>((r) => s.once('close', () => r()));
  c.socket.end(); // FIN, still not reading
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((r) => (timer = setTimeout(() => r('still open'), 3000)))]);
  clearTimeout(timer);
  expect(outcome).toBe('closed');
}, 20_000);
