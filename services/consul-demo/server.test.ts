import os from 'node:os';
import type { ConsulClient } from '../shared/consulClient';
import { createLogger } from '../shared/logger';
import { exchange } from './exchange';
import { DemoServer } from './server';

/** The Consul boundary, faked: records register/deregister calls in order (the real agent is in the integration tests). */
function fakeConsul() {
  const calls: Array<{ op: 'register' | 'deregister'; id: string; port?: number; tags?: string[] }> = [];
  let failRegister = 0;
  const consul = {
    agent: {
      service: {
        async register(o: { id: string; port: number; tags: string[] }) {
          if (failRegister > 0) {
            failRegister--;
            throw new Error('connect ECONNREFUSED 127.0.0.1:8500');
          }
          calls.push({ op: 'register', id: o.id, port: o.port, tags: o.tags });
        },
        async deregister(o: { id: string }) {
          calls.push({ op: 'deregister', id: o.id });
        },
      },
    },
  };
  return { consul: consul as unknown as ConsulClient, calls, failRegisterTimes: (n: number) => (failRegister = n) };
}

/** fakeConsul plus a health API that lists our own registrations and whatever peers the test sets. */
function fakeConsulWithPeers() {
  const f = fakeConsul();
  let peers: string[] = [];
  const own = (): string[] => {
    const live = new Set<string>();
    for (const c of f.calls) c.op === 'register' ? live.add(c.id) : live.delete(c.id);
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time:\n' + logs.slice(-10).join('\n'));
    await sleep(10);
  }
}
const base = { bind: '127.0.0.1', advertise: '127.0.0.1', lineTimeoutMs: 1000, idleTimeoutMs: 1000, logger };

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
    expect(f.calls.slice(0, 3).map((c) => `${c.op} ${c.id}`)).toEqual([`register ${first.id}`, `deregister ${first.id}`, `register ${second.id}`]);
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
  expect(Object.values(os.networkInterfaces()).flat().map((a) => a?.address)).not.toContain(bind);
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
