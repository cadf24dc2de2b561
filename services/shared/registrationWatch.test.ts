import { sleep } from './async';
import { createLogger } from './logger';
import { watchRegistration } from './registrationWatch';

const logs: string[] = [];
const logger = createLogger({ name: 't', write: (l) => logs.push(l) });
beforeEach(() => void logs.splice(0));

test('a long outage is said once after quietMs, its end once; a missing registration is restored with one line naming the outage', async () => {
  let state: 'up' | 'down' | 'forgot' = 'up';
  let registers = 0;
  const w = watchRegistration({
    isRegistered: async () => {
      if (state === 'down') throw new Error('connect ECONNREFUSED');
      return state === 'up';
    },
    register: async () => {
      registers++;
      state = 'up';
    },
    intervalMs: 20,
    quietMs: 150,
    logger,
  });
  try {
    await sleep(100);
    expect(logs).toEqual([]);
    state = 'down';
    await sleep(400);
    expect(logs.filter((l) => l.includes('cannot check our registration'))).toHaveLength(1);
    state = 'forgot';
    await sleep(100);
    expect(registers).toBe(1);
    const again = logs.filter((l) => l.includes('registered again'));
    expect(again).toHaveLength(1);
    expect(again[0]).toMatch(/agentUnreachableForMs=\d+/);
    await sleep(100);
    expect(logs).toHaveLength(2);
  } finally {
    await w.stop();
  }
});

test('a permanent error stops the watch and is handed over once', async () => {
  const seen: unknown[] = [];
  let checks = 0;
  const w = watchRegistration({
    isRegistered: async () => (checks++, false),
    register: async () => {
      throw new Error('refused');
    },
    intervalMs: 10,
    logger,
    isPermanent: () => true,
    onPermanentError: (e) => seen.push(e),
  });
  await sleep(100);
  await w.stop();
  expect(seen).toHaveLength(1);
  expect(checks).toBe(1);
});

test('stop() waits for a check in flight, and nothing runs after it', async () => {
  let registers = 0;
  let release: () => void = () => undefined;
  const w = watchRegistration({
    isRegistered: () => new Promise<boolean>((r) => (release = () => r(false))),
    register: async () => void registers++,
    intervalMs: 10,
    logger,
  });
  await sleep(50);
  const stopped = w.stop();
  release();
  await stopped;
  await sleep(50);
  expect(registers).toBe(0); // the answer came after stop(): no re-registration
});

test('each service keeps its own words; interval 0 is no watch at all', async () => {
  let present = false;
  const w = watchRegistration({
    isRegistered: async () => present,
    register: async () => void (present = true),
    intervalMs: 10,
    logger,
    wording: { reregistered: 'gone; back again' },
  });
  await sleep(60);
  await w.stop();
  expect(logs).toHaveLength(1);
  expect(logs[0]).toMatch(/WARN .*gone; back again$/);

  let checks = 0;
  const off = watchRegistration({ isRegistered: async () => (checks++, true), register: async () => undefined, intervalMs: 0, logger });
  await sleep(30);
  await off.stop();
  expect(checks).toBe(0);
});
