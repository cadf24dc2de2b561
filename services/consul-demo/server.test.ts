import net from 'node:net';
import os from 'node:os';
import { sleep } from '../shared/async';
import type { ConsulClient } from '../shared/consul/client';
import { createLogger } from '../shared/logger';
import { exchange } from './exchange';
import { DemoServer } from './server';

/** The Consul boundary, faked: records register/deregister calls in order (the real agent is in the integration tests). */
function fakeConsul() {
  const calls: Array<{ op: 'register' | 'deregister'; id: string; port?: number; tags?: string[] }> = [];
  let failRegister = 0;
  /** What the agent holds now: an agent restarted without its data holds nothing. */
  const held = new Set<string>();
  let registerError: (() => Error) | undefined;
  let down = false;
  /** Each list call (the registration watch's check) answers only after this long. */
  let listDelayMs = 0;
  /** Each deregister call answers only after this long. */
  let deregisterDelayMs = 0;
  const consul = {
    agent: {
      service: {
        async register(o: { id: string; port: number; tags: string[] }) {
          if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:8500');
          if (registerError) throw registerError();
          if (failRegister > 0) {
            failRegister--;
            throw new Error('connect ECONNREFUSED 127.0.0.1:8500');
          }
          calls.push({ op: 'register', id: o.id, port: o.port, tags: o.tags });
          held.add(o.id);
        },
        async deregister(o: { id: string }) {
          if (deregisterDelayMs) await sleep(deregisterDelayMs);
          calls.push({ op: 'deregister', id: o.id });
          held.delete(o.id);
        },
        async list() {
          if (listDelayMs) await sleep(listDelayMs);
          if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:8500');
          return Object.fromEntries([...held].map((id) => [id, { ID: id }]));
        },
      },
    },
  };
  return {
    consul: consul as unknown as ConsulClient,
    calls,
    failRegisterTimes: (n: number) => (failRegister = n),
    /** The agent restarts without its data: it is away for a moment and comes back empty. */
    forgetAll: () => held.clear(),
    setDown: (d: boolean) => (down = d),
    /** From now on every register call fails with this (e.g. a 403 Permission denied). */
    failRegisterWith: (make: (() => Error) | undefined) => (registerError = make),
    setListDelay: (ms: number) => (listDelayMs = ms),
    setDeregisterDelay: (ms: number) => (deregisterDelayMs = ms),
  };
}

/** An error as the consul client reports an HTTP error answer. */
function httpError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`consul: agent.service.register: ${message}`), { statusCode });
}

/** fakeConsul plus a health API that lists our own registrations and whatever peers the test sets. */
function fakeConsulWithPeers() {
  const f = fakeConsul();
  let peers: string[] = [];
  const own = (): string[] => {
    const live = new Set<string>();
    for (const c of f.calls) {
      if (c.op === 'register') live.add(c.id);
      else live.delete(c.id);
    }
    return [...live];
  };
  (f.consul as unknown as { health: unknown }).health = {
    async service() {
      return [...own(), ...peers].map((ID) => ({ Service: { ID } }));
    },
  };
  return { ...f, setPeers: (ids: string[]) => (peers = ids) };
}

const logs: string[] = [];
const logger = createLogger({ name: 't', write: (l) => logs.push(l) });
beforeEach(() => void logs.splice(0));
const logged = (msg: string): string[] => logs.filter((l) => l.includes(msg));
async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time:\n' + logs.slice(-10).join('\n'));
    await sleep(10);
  }
}
const base = {
  bind: '127.0.0.1',
  advertise: '127.0.0.1',
  lineTimeoutMs: 1000,
  idleTimeoutMs: 1000,
  maxConnections: 1024,
  maxReplyBacklogBytes: 1024 * 1024,
  restartMode: 'break-before-make' as const,
  logger,
};

test('restart: deregister first, still answer during the drain, then register anew on another port', async () => {
  const f = fakeConsul();
  const server = new DemoServer({ ...base, consul: f.consul, version: 'v1', restartEveryMs: [150, 150], drainMs: 300 });
  await server.start();
  try {
    await until(() => f.calls.some((c) => c.op === 'deregister'));
    const first = f.calls[0]!;
    // Deregistered, but a client that looked it up just before still gets its answer during the drain.
    expect(await exchange('127.0.0.1', first.port!, 'v1', 1000)).toMatchObject({ ok: true });
    await until(() => f.calls.filter((c) => c.op === 'register').length >= 2);
    const second = f.calls.filter((c) => c.op === 'register')[1]!;
    expect(f.calls.slice(0, 3).map((c) => `${c.op} ${c.id}`)).toEqual([
      `register ${first.id}`,
      `deregister ${first.id}`,
      `register ${second.id}`,
    ]);
    expect(second.id).not.toBe(first.id);
    expect(second.port).not.toBe(first.port);
    expect(second.tags).toEqual(['v1']);
    // The old port is closed after the drain.
    expect((await exchange('127.0.0.1', first.port!, 'v1', 1000)).error).toMatch(/ECONNREFUSED/);
    expect(await exchange('127.0.0.1', second.port!, 'v1', 1000)).toMatchObject({ ok: true });
  } finally {
    await server.stop();
  }
});

test('stop() deregisters the current incarnation and closes its port', async () => {
  const f = fakeConsul();
  const server = new DemoServer({ ...base, consul: f.consul, restartEveryMs: [0, 0], drainMs: 500 });
  await server.start();
  await until(() => f.calls.length === 1);
  const reg = f.calls[0]!;
  const t0 = Date.now();
  await server.stop();
  expect(Date.now() - t0).toBeLessThan(1500);
  expect(f.calls.map((c) => c.op)).toEqual(['register', 'deregister']);
  expect(f.calls[1]!.id).toBe(reg.id);
  expect((await exchange('127.0.0.1', reg.port!, reg.tags![0] as 'v1' | 'v2', 1000)).error).toMatch(/ECONNREFUSED/);
});

test('Consul unreachable at start: registration is retried until it works, the port serves meanwhile', async () => {
  const f = fakeConsul();
  f.failRegisterTimes(1);
  const server = new DemoServer({ ...base, consul: f.consul, version: 'v2', restartEveryMs: [0, 0], drainMs: 0 });
  await server.start();
  try {
    await until(() => f.calls.length === 1, 5000);
    expect(logs.some((l) => l.includes('registration failed, retrying') && l.includes('ECONNREFUSED'))).toBe(true);
  } finally {
    await server.stop();
  }
});

test('a bind address that is not on this machine is bad input', async () => {
  // 198.51.100.0/24 is TEST-NET-2, documentation only: no machine running these tests has it.
  const bind = '198.51.100.77';
  expect(
    Object.values(os.networkInterfaces())
      .flat()
      .map((a) => a?.address),
  ).not.toContain(bind);
  const server = new DemoServer({ ...base, bind, consul: fakeConsul().consul, restartEveryMs: [0, 0], drainMs: 0 });
  await expect(server.start()).rejects.toThrow(`--bind ${bind}: not an address of this machine`);
});

test('a restart waits while a peer seen passing is in its own restart gap, then goes ahead', async () => {
  const f = fakeConsulWithPeers();
  f.setPeers(['consul-demo-peer-1-1']);
  const server = new DemoServer({ ...base, consul: f.consul, version: 'v1', restartEveryMs: [200, 200], drainMs: 0 });
  await server.start();
  try {
    await until(() => f.calls.length >= 1);
    await sleep(50); // it has seen the peer passing (right after registering)
    f.setPeers([]); // the peer deregistered: it is restarting
    await until(() => logs.some((l) => l.includes('deferring restart: a peer is in its restart gap')));
    await sleep(300);
    expect(f.calls.filter((c) => c.op === 'deregister')).toHaveLength(0); // still waiting
    f.setPeers(['consul-demo-peer-1-2']); // back, as a new incarnation
    await until(() => f.calls.some((c) => c.op === 'deregister'));
    expect(logs.some((l) => l.includes('peer back, restarting now'))).toBe(true);
  } finally {
    await server.stop();
  }
});

describe('make-before-break', () => {
  const mbb = { ...base, restartMode: 'make-before-break' as const };

  test('the new incarnation registers and is passing before the old one deregisters; the old port answers until then', async () => {
    const f = fakeConsulWithPeers();
    const server = new DemoServer({ ...mbb, consul: f.consul, version: 'v1', restartEveryMs: [150, 150], drainMs: 200 });
    await server.start();
    try {
      await until(() => f.calls.some((c) => c.op === 'deregister'));
      const [first, second] = f.calls.filter((c) => c.op === 'register');
      expect(f.calls.slice(0, 3).map((c) => `${c.op} ${c.id}`)).toEqual([
        `register ${first!.id}`,
        `register ${second!.id}`,
        `deregister ${first!.id}`,
      ]);
      // Both ports answer right after the old one deregistered (its drain), the new one for good.
      expect(await exchange('127.0.0.1', first!.port!, 'v1', 1000)).toMatchObject({ ok: true });
      expect(await exchange('127.0.0.1', second!.port!, 'v1', 1000)).toMatchObject({ ok: true });
      await until(() => logs.some((l) => l.includes('closed') && l.includes(first!.id)));
      expect((await exchange('127.0.0.1', first!.port!, 'v1', 1000)).error).toMatch(/ECONNREFUSED/);
      const handover = logged('make-before-break: new incarnation passing, retiring the old one');
      expect(handover[0]).toContain(first!.id);
      expect(handover[0]).toContain(second!.id);
      // No gap to report: the old one was still registered when the new one registered.
      expect(logged('gapSinceDeregisterMs')).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  test('a new incarnation never seen passing: one warning after the timeout, and the old one is retired anyway', async () => {
    const f = fakeConsul();
    (f.consul as unknown as { health: unknown }).health = { service: async () => [] };
    const server = new DemoServer({
      ...mbb,
      consul: f.consul,
      restartEveryMs: [100, 100],
      drainMs: 0,
      passingTimeoutMs: 300,
    });
    await server.start();
    try {
      await until(() => f.calls.some((c) => c.op === 'deregister'));
      const warnings = logged('make-before-break: new incarnation not passing in time, retiring the old one anyway');
      expect(warnings).toHaveLength(1);
      expect(f.calls.slice(0, 3).map((c) => c.op)).toEqual(['register', 'register', 'deregister']);
    } finally {
      await server.stop();
    }
  });

  test('stop() during the handover deregisters both incarnations', async () => {
    const f = fakeConsul();
    (f.consul as unknown as { health: unknown }).health = { service: async () => [] };
    const server = new DemoServer({ ...mbb, consul: f.consul, restartEveryMs: [100, 100], drainMs: 0, passingTimeoutMs: 10_000 });
    await server.start();
    await until(() => f.calls.filter((c) => c.op === 'register').length === 2);
    await server.stop();
    const registered = f.calls.filter((c) => c.op === 'register').map((c) => c.id);
    const deregistered = f.calls.filter((c) => c.op === 'deregister').map((c) => c.id);
    expect(deregistered.sort()).toEqual(registered.sort());
  });

  test('stop() while the next incarnation cannot listen yet: the old one, still current, is retired once', async () => {
    const f = fakeConsul();
    (f.consul as unknown as { health: unknown }).health = { service: async () => [] };
    const server = new DemoServer({ ...mbb, consul: f.consul, restartEveryMs: [100, 100], drainMs: 0 });
    await server.start();
    await until(() => f.calls.length === 1);
    // Every listen from now on fails (not as bad input): the handover sits in its 1 s retry sleep, the old
    // incarnation both `current` and `previous`.
    const realCreateServer = net.createServer.bind(net);
    const spy = jest.spyOn(net, 'createServer').mockImplementation(() => {
      const srv = realCreateServer();
      srv.listen = (() => {
        process.nextTick(() => srv.emit('error', Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' })));
        return srv;
      }) as typeof srv.listen;
      return srv;
    });
    try {
      await until(() => logged('listen failed, retrying').length === 1);
      await server.stop();
    } finally {
      spy.mockRestore();
    }
    const [only] = f.calls;
    expect(f.calls.map((c) => `${c.op} ${c.id}`)).toEqual([`register ${only!.id}`, `deregister ${only!.id}`]);
    expect(logged('deregistering')).toHaveLength(1);
    expect(logs.filter((l) => / {2}closed {2}.*\bport=/.test(l))).toHaveLength(1);
  });
});

/** Read what a server sends on a fresh connection until it closes (or 2 s pass). */
function readAll(port: number, send = ''): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let got = '';
    sock.setEncoding('utf8');
    sock.on('connect', () => send && sock.write(send));
    sock.on('data', (d: string) => (got += d));
    sock.on('error', () => undefined);
    sock.on('close', () => resolve(got));
    setTimeout(() => {
      sock.destroy();
      resolve(got);
    }, 2000).unref();
  });
}

describe('registration kept', () => {
  test('the agent forgets us (restarted without its data): registered again within the check interval, with one log line', async () => {
    const f = fakeConsul();
    const server = new DemoServer({
      ...base,
      consul: f.consul,
      version: 'v1',
      restartEveryMs: [0, 0],
      drainMs: 0,
      registrationCheckMs: 100,
    });
    await server.start();
    try {
      await until(() => f.calls.length === 1);
      const id = f.calls[0]!.id;
      // Away for a moment (shorter than the 5 s before "cannot check" is said), then back without our service.
      f.setDown(true);
      f.forgetAll();
      await sleep(400);
      f.setDown(false);
      const t0 = Date.now();
      await until(() => f.calls.length === 2, 3000);
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(f.calls[1]).toMatchObject({ op: 'register', id });
      await sleep(300);
      expect(f.calls).toHaveLength(2); // present again: nothing more
      expect(logged('registered again')).toHaveLength(1);
      expect(logged('cannot check our registration')).toHaveLength(0);
    } finally {
      await server.stop();
    }
    // Stopped before deregistering: nothing re-registers afterwards.
    await sleep(300);
    expect(f.calls.map((c) => c.op)).toEqual(['register', 'register', 'deregister']);
  });
});

describe('fatal errors end the server', () => {
  test('Consul refuses the registration for good (403 Permission denied): listener closed, onFatal, nothing to deregister', async () => {
    const f = fakeConsul();
    f.failRegisterWith(() => httpError(403, 'Permission denied'));
    const fatal: unknown[] = [];
    const server = new DemoServer({
      ...base,
      consul: f.consul,
      version: 'v1',
      restartEveryMs: [0, 0],
      drainMs: 0,
      onFatal: (e) => fatal.push(e),
    });
    await server.start();
    const port = Number(/bind=127\.0\.0\.1:(\d+)/.exec(logged('listening')[0]!)![1]);
    await until(() => fatal.length === 1, 5000);
    expect(String(fatal[0])).toMatch(/Permission denied/);
    expect(logged('fatal error, shutting down')).toHaveLength(1);
    expect(logged('registration failed, retrying')).toHaveLength(0); // not retried: it cannot succeed
    expect(f.calls).toEqual([]);
    await expect(exchange('127.0.0.1', port, 'v1', 1000)).resolves.toMatchObject({
      ok: false,
      error: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  test('a transient error (agent unreachable, 403 ACL not found) is retried, not fatal', async () => {
    const f = fakeConsul();
    f.failRegisterWith(() => httpError(403, 'ACL not found'));
    const fatal: unknown[] = [];
    const server = new DemoServer({ ...base, consul: f.consul, restartEveryMs: [0, 0], drainMs: 0, onFatal: (e) => fatal.push(e) });
    await server.start();
    try {
      await until(() => logged('registration failed, retrying').length >= 1);
      f.failRegisterWith(undefined);
      await until(() => f.calls.length === 1, 3000);
      expect(fatal).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  test('re-registration refused for good (400): deregisters, closes, onFatal', async () => {
    const f = fakeConsul();
    const fatal: unknown[] = [];
    const server = new DemoServer({
      ...base,
      consul: f.consul,
      version: 'v1',
      restartEveryMs: [0, 0],
      drainMs: 0,
      registrationCheckMs: 100,
      onFatal: (e) => fatal.push(e),
    });
    await server.start();
    await until(() => f.calls.length === 1);
    const { id, port } = f.calls[0]!;
    f.failRegisterWith(() => httpError(400, 'Invalid check: TTL must be > 0'));
    f.forgetAll();
    await until(() => fatal.length === 1, 5000);
    expect(f.calls.map((c) => `${c.op} ${c.id}`)).toEqual([`register ${id}`, `deregister ${id}`]);
    expect((await exchange('127.0.0.1', port!, 'v1', 1000)).error).toMatch(/ECONNREFUSED/);
  });
});

describe('connection limits and log volume', () => {
  test('over --max-connections: refused with one error line; one log line at once, the rest summarised', async () => {
    const f = fakeConsul();
    const server = new DemoServer({
      ...base,
      consul: f.consul,
      version: 'v1',
      restartEveryMs: [0, 0],
      drainMs: 0,
      maxConnections: 2,
      logSummaryMs: 300,
    });
    await server.start();
    const held: net.Socket[] = [];
    try {
      await until(() => f.calls.length === 1);
      const port = f.calls[0]!.port!;
      for (let i = 0; i < 2; i++) {
        const s = net.connect({ host: '127.0.0.1', port });
        s.on('error', () => undefined);
        held.push(s);
        await new Promise((r) => s.once('connect', r));
      }
      await sleep(50);
      const refused = await Promise.all(Array.from({ length: 5 }, () => readAll(port, 'ping\n')));
      expect(refused).toEqual(Array(5).fill('error: too many connections\n'));
      expect(logged('connection limit reached')).toHaveLength(1);
      await until(() => logged('connections refused at the limit').length === 1, 2000);
      expect(logged('connections refused at the limit')[0]).toMatch(/count=4/);
      // A slot frees: served again.
      held.pop()!.destroy();
      await sleep(50);
      expect(await readAll(port, 'ping\n')).toMatch(/^pong\n/);
    } finally {
      for (const s of held) s.destroy();
      await server.stop();
    }
  });

  test('the open-file limit lowers the connection cap, said once at start', async () => {
    const f = fakeConsul();
    const server = new DemoServer({
      ...base,
      consul: f.consul,
      restartEveryMs: [0, 0],
      drainMs: 0,
      maxConnections: 1024,
      openFileLimit: () => 100,
    });
    await server.start();
    await server.stop();
    expect(logged('max connections lowered')).toHaveLength(1);
    expect(logged('max connections lowered')[0]).toMatch(/requested=1024 maxConnections=36 openFileLimit=100/);
  });

  test('many connections closed at once: one line for the first, one summary for the rest', async () => {
    const f = fakeConsul();
    const server = new DemoServer({
      ...base,
      consul: f.consul,
      version: 'v1',
      restartEveryMs: [0, 0],
      drainMs: 0,
      idleTimeoutMs: 200,
      logSummaryMs: 500,
    });
    await server.start();
    try {
      await until(() => f.calls.length === 1);
      const port = f.calls[0]!.port!;
      const replies = await Promise.all(Array.from({ length: 30 }, () => readAll(port)));
      expect(replies.every((r) => r === 'error: idle timeout\n')).toBe(true);
      await until(() => logged('closed connections').length === 1, 2000);
      expect(logged('closed a connection')).toHaveLength(1);
      expect(logged('closed connections')[0]).toMatch(/count=29 reasons=\{"idle timeout":29\}/);
    } finally {
      await server.stop();
    }
  });
});

test('stop() within 2 s even while the registration watch waits on a hung agent: deregistered all the same', async () => {
  const f = fakeConsul();
  const server = new DemoServer({ ...base, consul: f.consul, restartEveryMs: [0, 0], drainMs: 0, registrationCheckMs: 50 });
  await server.start();
  await until(() => f.calls.length === 1);
  f.setListDelay(3000); // the next check hangs (a real one times out at 800 ms, then may re-register: 800 ms more)
  await sleep(150); // that check is now in flight
  const t0 = Date.now();
  await server.stop();
  expect(Date.now() - t0).toBeLessThan(2000);
  expect(f.calls.map((c) => c.op)).toEqual(['register', 'deregister']);
}, 10_000);

test('a signal during the fatal clean-up: stop() waits for it, and fails (exit 1, not 0)', async () => {
  const f = fakeConsul();
  const fatal: unknown[] = [];
  const server = new DemoServer({
    ...base,
    consul: f.consul,
    version: 'v1',
    restartEveryMs: [0, 0],
    drainMs: 0,
    registrationCheckMs: 50,
    onFatal: (e) => fatal.push(e),
  });
  await server.start();
  await until(() => f.calls.length === 1);
  f.setDeregisterDelay(300);
  f.failRegisterWith(() => httpError(400, 'Invalid check: TTL must be > 0'));
  f.forgetAll();
  await until(() => logged('fatal error, shutting down').length === 1);
  // What onShutdown runs on SIGTERM now: it must not report a clean stop while the fatal path is deregistering.
  await expect(server.stop()).rejects.toThrow(/fatal/);
  expect(fatal).toHaveLength(1);
  expect(f.calls.map((c) => c.op)).toEqual(['register', 'deregister']);
}, 10_000);

test('a listen that cannot succeed in the restart loop (bound address gone) ends the server (onFatal), not retried forever', async () => {
  const f = fakeConsul();
  const fatal: unknown[] = [];
  const server = new DemoServer({
    ...base,
    consul: f.consul,
    version: 'v1',
    restartEveryMs: [100, 100],
    drainMs: 0,
    onFatal: (e) => fatal.push(e),
  });
  await server.start();
  await until(() => f.calls.length === 1);
  // From now on every listen goes to TEST-NET-2 (no machine has it): EADDRNOTAVAIL, as when the bound IP is removed.
  const realCreateServer = net.createServer.bind(net);
  const spy = jest.spyOn(net, 'createServer').mockImplementation(() => {
    const srv = realCreateServer();
    const realListen = srv.listen.bind(srv);
    srv.listen = ((o: net.ListenOptions, cb?: () => void) => realListen({ ...o, host: '198.51.100.77' }, cb)) as typeof srv.listen;
    return srv;
  });
  try {
    await until(() => fatal.length === 1, 5000);
    expect(String(fatal[0])).toMatch(/--bind 127\.0\.0\.1: not an address of this machine/);
    expect(logged('fatal error, shutting down')).toHaveLength(1);
  } finally {
    spy.mockRestore();
    await server.stop().catch(() => undefined);
  }
}, 10_000);
