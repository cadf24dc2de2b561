import type { ConsulClient } from '../shared/consul/client';
import { createLogger } from '../shared/logger';
import { DEFAULT_REGISTER_ATTEMPTS } from './options';
import {
  DEFAULT_CHECK,
  DEFAULT_REREGISTER_INTERVAL_MS,
  DuplicateInstanceError,
  REGISTER_BACKOFF,
  RegistrationRefusedError,
  type ServiceDefinition,
  buildRegistration,
  buildServiceDefinition,
  keepRegistered,
  registerWithRetry,
} from './registration';

// The consul client's own mapping from its option names to Consul's JSON (what goes on the wire).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module of the consul package, without typings
const { createService, createCheck } = require('consul/lib/utils') as {
  createService: (o: unknown) => Record<string, unknown>;
  createCheck: (o: unknown) => Record<string, unknown>;
};

const inst = { id: 'workshop-alice', name: 'alice', host: '10.0.0.7', port: 3001 };

test('the HTTP check is part of the service definition (bound to the service ID), not a node-level check', () => {
  const def = buildServiceDefinition(inst, DEFAULT_CHECK, 'c0ffee123456');
  const wire = createService(def);
  expect(wire).toEqual({
    Name: 'workshop',
    ID: 'workshop-alice',
    Address: '10.0.0.7',
    Port: 3001,
    Meta: { name: 'alice', host: 'c0ffee123456' },
    Check: {
      Name: 'workshop-alice /health',
      HTTP: 'http://10.0.0.7:3001/health',
      Interval: '2s',
      Timeout: '1s',
      SuccessBeforePassing: 1,
      FailuresBeforeCritical: 1,
      DeregisterCriticalServiceAfter: '60s',
    },
  });
  expect(wire).not.toHaveProperty('Checks');
});

test('check timing and anti-flapping thresholds are configurable; --no-check registers no check at all', () => {
  const def = buildServiceDefinition(inst, {
    ...DEFAULT_CHECK,
    intervalMs: 500,
    timeoutMs: 250,
    successBeforePassing: 3,
    failuresBeforeCritical: 2,
    deregisterCriticalAfterMs: 90_000,
  });
  expect(createService(def).Check).toMatchObject({
    Interval: '500ms',
    Timeout: '250ms',
    SuccessBeforePassing: 3,
    FailuresBeforeCritical: 2,
    DeregisterCriticalServiceAfter: '90s',
  });
  const bare = createService(buildServiceDefinition(inst, { ...DEFAULT_CHECK, enabled: false }));
  expect(bare).not.toHaveProperty('Check');
  expect(bare).not.toHaveProperty('Checks');
  expect(buildServiceDefinition({ ...inst, host: 'fd00::7' }, DEFAULT_CHECK).check!.http).toBe('http://[fd00::7]:3001/health');
});

test('--check-scope node: the service carries no check; a separate check with NO ServiceID (node level), ID unique per instance', () => {
  const { service, nodeCheck } = buildRegistration(
    inst,
    { ...DEFAULT_CHECK, intervalMs: 1000, failuresBeforeCritical: 2 },
    'node',
    'c0ffee',
  );
  expect(createService(service)).not.toHaveProperty('Check');
  expect(createService(service)).not.toHaveProperty('Checks');
  const wire = createCheck(nodeCheck);
  expect(wire).toEqual({
    ID: 'workshop-alice-node-check',
    Name: 'workshop-alice /health (node-level)',
    HTTP: 'http://10.0.0.7:3001/health',
    Interval: '1s',
    Timeout: '1s',
    SuccessBeforePassing: 1,
    FailuresBeforeCritical: 2,
  });
  // No ServiceID: that is what makes it the node's. No DeregisterCriticalServiceAfter: Consul reaps only service checks.
  expect(wire).not.toHaveProperty('ServiceID');
  expect(wire).not.toHaveProperty('DeregisterCriticalServiceAfter');
  // The default (the fix) is exactly the service definition with its check inside.
  expect(buildRegistration(inst, DEFAULT_CHECK, 'service', 'c0ffee')).toEqual({
    service: buildServiceDefinition(inst, DEFAULT_CHECK, 'c0ffee'),
  });
});

test('--service workshop-<name>: registered under that name, and the ID-collision check asks about that name', async () => {
  const own = { ...inst, service: 'workshop-alice' };
  expect(createService(buildServiceDefinition(own, DEFAULT_CHECK))).toMatchObject({ Name: 'workshop-alice', ID: 'workshop-alice' });
  const { client, calls } = fakeConsul({});
  await registerWithRetry(client, own, buildServiceDefinition(own, DEFAULT_CHECK), {
    attempts: 1,
    logger: logger().logger,
    consulAddr: 'x',
    sleep: noSleep,
  });
  expect(calls.queried).toEqual([{ service: 'workshop-alice' }]);
  expect(calls.register).toEqual([expect.objectContaining({ name: 'workshop-alice', id: 'workshop-alice' })]);
});

/** A fake of the two agent/health calls registration makes: the boundary, not the thing under test. */
function fakeConsul(opts: { failTimes?: number; existing?: unknown }) {
  const calls = { register: [] as unknown[], checkRegister: 0, checkBodies: [] as unknown[], healthQueries: 0, queried: [] as unknown[] };
  let failures = opts.failTimes ?? 0;
  const refuse = (): Promise<never> => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:8500'));
  const client = {
    health: {
      service: (q: unknown) => {
        calls.healthQueries++;
        calls.queried.push(q);
        if (failures > 0) {
          failures--;
          return refuse();
        }
        return Promise.resolve(opts.existing ?? []);
      },
    },
    agent: {
      service: { register: (d: unknown) => (calls.register.push(d), Promise.resolve(undefined)) },
      check: { register: (c: unknown) => (calls.checkRegister++, calls.checkBodies.push(c), Promise.resolve(undefined)) },
    },
  };
  return { client: client as unknown as ConsulClient, calls };
}

function logger() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ name: 't', write: (l) => lines.push(l) }) };
}
const noSleep = async (): Promise<void> => undefined;

test('agent unreachable: one log line per attempt with backoff, then success', async () => {
  const { client, calls } = fakeConsul({ failTimes: 2 });
  const { lines, logger: log } = logger();
  const delays: number[] = [];
  await registerWithRetry(client, inst, buildServiceDefinition(inst, DEFAULT_CHECK), {
    attempts: 5,
    logger: log,
    consulAddr: 'http://127.0.0.1:8500',
    sleep: async (ms) => void delays.push(ms),
  });
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/Consul agent not reachable, retrying .*attempt=1 of=5/);
  expect(delays).toEqual([250, 500]);
  expect(calls.register).toHaveLength(1);
  expect(calls.checkRegister).toBe(0); // never a separate (node-level) check registration
});

test('an agent that is not up yet (a student stack starts both at once): short back-off, capped at 1 s, registers when it answers', async () => {
  const { client, calls } = fakeConsul({ failTimes: 6 });
  const { logger: log } = logger();
  const delays: number[] = [];
  await registerWithRetry(client, inst, buildServiceDefinition(inst, DEFAULT_CHECK), {
    attempts: DEFAULT_REGISTER_ATTEMPTS,
    logger: log,
    consulAddr: 'http://127.0.0.1:8500',
    sleep: async (ms) => void delays.push(ms),
  });
  // Never more than 1 s between two asks: an agent that joins is picked up within a second of its first answer.
  expect(delays).toEqual([250, 500, 1000, 1000, 1000, 1000]);
  expect(calls.register).toHaveLength(1);
});

test('the default attempts still wait out a slow agent (> 30 s in all) at the 1 s cap', () => {
  const sleeps = Array.from({ length: DEFAULT_REGISTER_ATTEMPTS - 1 }, (_, i) =>
    Math.min(REGISTER_BACKOFF.initialMs * 2 ** i, REGISTER_BACKOFF.maxMs),
  );
  expect(Math.max(...sleeps)).toBe(1000);
  expect(sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThan(30_000);
});

test('agent unreachable past the limit: a clear error naming the address and the attempts', async () => {
  const { client, calls } = fakeConsul({ failTimes: 99 });
  const { lines, logger: log } = logger();
  await expect(
    registerWithRetry(client, inst, buildServiceDefinition(inst, DEFAULT_CHECK), {
      attempts: 3,
      logger: log,
      consulAddr: 'http://127.0.0.1:8500',
      sleep: noSleep,
    }),
  ).rejects.toThrow('cannot register with the Consul agent at http://127.0.0.1:8500 after 3 attempts: connect ECONNREFUSED');
  expect(lines).toHaveLength(2);
  expect(calls.register).toHaveLength(0);
});

test('--check-scope node: registerWithRetry registers the service, then the node-level check', async () => {
  const { client, calls } = fakeConsul({});
  const { logger: log } = logger();
  const { service, nodeCheck } = buildRegistration(inst, DEFAULT_CHECK, 'node');
  await registerWithRetry(client, inst, service, { attempts: 1, logger: log, consulAddr: 'x', sleep: noSleep, nodeCheck });
  expect(calls.register).toEqual([service]);
  expect(calls.checkBodies).toEqual([nodeCheck]);
});

const entry = (address: string, port: number, status: string) => ({
  Node: { Node: 'n1' },
  Service: { ID: 'workshop-alice', Address: address, Port: port },
  Checks: [
    { ServiceID: '', Status: 'passing' },
    { ServiceID: 'workshop-alice', Status: status },
  ],
});

test('the same ID held by another live (passing) instance: DuplicateInstanceError, no retry, no registration', async () => {
  const { client, calls } = fakeConsul({ existing: [entry('10.0.0.8', 3001, 'passing')] });
  const { logger: log } = logger();
  const p = registerWithRetry(client, inst, buildServiceDefinition(inst, DEFAULT_CHECK), {
    attempts: 5,
    logger: log,
    consulAddr: 'x',
    sleep: noSleep,
  });
  await expect(p).rejects.toBeInstanceOf(DuplicateInstanceError);
  await expect(p).rejects.toThrow(/"workshop-alice" is already registered by a live instance at "10\.0\.0\.8:3001"/);
  expect(calls.healthQueries).toBe(1);
  expect(calls.register).toHaveLength(0);
});

test('the same ID held by a critical (dead) instance, or at our own address (a restart), may be taken over', async () => {
  for (const existing of [[entry('10.0.0.8', 3001, 'critical')], [entry('10.0.0.7', 3001, 'passing')]]) {
    const { client, calls } = fakeConsul({ existing });
    const { logger: log } = logger();
    await registerWithRetry(client, inst, buildServiceDefinition(inst, DEFAULT_CHECK), {
      attempts: 1,
      logger: log,
      consulAddr: 'x',
      sleep: noSleep,
    });
    expect(calls.register).toHaveLength(1);
  }
});

/** registerWithRetry of `inst` with the default check, no waits between attempts. */
const registerNow = (client: ConsulClient, attempts: number, log = logger().logger): Promise<void> =>
  registerWithRetry(client, inst, buildServiceDefinition(inst, DEFAULT_CHECK), {
    attempts,
    logger: log,
    consulAddr: 'http://127.0.0.1:8500',
    sleep: noSleep,
  });

test("Consul's answer read through the gateway's schema: odd entries are no holder, an answer that is not a list is retried", async () => {
  // An entry without our ID, one with no fields at all, junk: none holds our ID, so we register.
  const { client, calls } = fakeConsul({ existing: ['junk', {}, { Service: { ID: 7 } }, entry('10.0.0.8', 3001, 'critical')] });
  await registerNow(client, 1);
  expect(calls.register).toHaveLength(1);
  const notAList = fakeConsul({ existing: { error: 'not a list' } });
  const { lines, logger: log } = logger();
  await expect(registerNow(notAList.client, 2, log)).rejects.toThrow(
    'after 2 attempts: GET /v1/health/service/workshop: unexpected answer',
  );
  expect(lines).toHaveLength(1);
  expect(notAList.calls.register).toHaveLength(0);
});

describe('keepRegistered: re-registers when the local agent lost our service', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function agentWith(services: Record<string, unknown>) {
    const registered: unknown[] = [];
    const client = {
      agent: { service: { list: async () => services, register: async (d: unknown) => void registered.push(d) } },
    } as unknown as ConsulClient;
    return { client, registered };
  }

  test('missing → registered again with the same definition, one warn line; present → nothing', async () => {
    const def = buildServiceDefinition(inst, DEFAULT_CHECK);
    const services: Record<string, unknown> = {};
    const { client, registered } = agentWith(services);
    const { lines, logger: log } = logger();
    const stop = keepRegistered(client, def, { intervalMs: 1000, logger: log });
    await jest.advanceTimersByTimeAsync(1000);
    expect(registered).toEqual([def]);
    expect(lines.join('\n')).toMatch(/registration was missing from the local agent; registered again/);
    services[def.id] = {};
    await jest.advanceTimersByTimeAsync(3000);
    expect(registered).toHaveLength(1);
    await stop();
    delete services[def.id];
    await jest.advanceTimersByTimeAsync(3000);
    expect(registered).toHaveLength(1); // stopped: never re-registers after shutdown began
  });

  test('--check-scope node: a lost node-level check (service still there) is registered again, with the service', async () => {
    const { service: def, nodeCheck } = buildRegistration(inst, DEFAULT_CHECK, 'node');
    const registered: unknown[] = [];
    const checks: Record<string, unknown> = {};
    const client = {
      agent: {
        service: { list: async () => ({ [def.id]: {} }), register: async (d: unknown) => void registered.push(d) },
        check: { list: async () => checks, register: async (c: unknown) => void registered.push(c) },
      },
    } as unknown as ConsulClient;
    const { lines, logger: log } = logger();
    const stop = keepRegistered(client, def, { intervalMs: 1000, logger: log, nodeCheck });
    await jest.advanceTimersByTimeAsync(1000);
    expect(registered).toEqual([def, nodeCheck]);
    expect(lines.join('\n')).toMatch(/registered again/);
    checks[nodeCheck!.id] = {};
    await jest.advanceTimersByTimeAsync(3000);
    expect(registered).toHaveLength(2);
    await stop();
  });
});

test('--deregister-after 0 (never): the field is left out, as Consul itself defaults', () => {
  const def = buildServiceDefinition(inst, { ...DEFAULT_CHECK, deregisterCriticalAfterMs: 0 });
  expect(createService(def).Check).not.toHaveProperty('DeregisterCriticalServiceAfter');
});

/** What the consul client (papi) rejects with when the agent answers 4xx: message, statusCode and the body. */
function responseError(status: number, message: string, body: string): Error {
  return Object.assign(new Error(message), { statusCode: status, response: { statusCode: status, body } });
}

test("the agent refuses the registration (HTTP 400): no retries, one clear error with the agent's reason", async () => {
  const { lines, logger: log } = logger();
  let attempts = 0;
  const client = {
    health: { service: async () => [] },
    agent: {
      service: {
        register: async () => {
          attempts++;
          throw responseError(
            400,
            'bad request',
            'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks',
          );
        },
      },
    },
  } as unknown as ConsulClient;
  const p = registerWithRetry(client, inst, buildServiceDefinition(inst, DEFAULT_CHECK), {
    attempts: 10,
    logger: log,
    consulAddr: 'http://127.0.0.1:8500',
    sleep: noSleep,
  });
  await expect(p).rejects.toBeInstanceOf(RegistrationRefusedError);
  await expect(p).rejects.toThrow(
    'the Consul agent at http://127.0.0.1:8500 refused the registration (HTTP 400): bad request: Invalid check: Interval must be > 0',
  );
  expect(attempts).toBe(1);
  expect(lines).toHaveLength(0);
});

describe('keepRegistered: outages, one line per re-registration, and the errors that end it', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** An agent that can be "down" (connection refused), forget everything, or refuse us. */
  function agent(def: ServiceDefinition) {
    const state = { down: false, services: {} as Record<string, unknown>, listError: undefined as Error | undefined, registered: 0 };
    state.services[def.id] = { ID: def.id, Address: def.address, Port: def.port };
    const client = {
      agent: {
        service: {
          list: async () => {
            if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:8500');
            if (state.listError) throw state.listError;
            return state.services;
          },
          register: async (d: ServiceDefinition) => {
            state.registered++;
            state.services[d.id] = { ID: d.id, Address: d.address, Port: d.port };
          },
        },
      },
    } as unknown as ConsulClient;
    return { client, state };
  }

  test('an agent restart (down a few seconds, then empty): exactly one line, the re-registration', async () => {
    const def = buildServiceDefinition(inst, DEFAULT_CHECK);
    const { client, state } = agent(def);
    const { lines, logger: log } = logger();
    const stop = keepRegistered(client, def, { intervalMs: 1000, logger: log });
    state.down = true;
    await jest.advanceTimersByTimeAsync(5000);
    state.down = false;
    state.services = {};
    await jest.advanceTimersByTimeAsync(1000);
    expect(state.registered).toBe(1);
    await jest.advanceTimersByTimeAsync(5000);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/WARN .*registration was missing from the local agent; registered again .*agentUnreachableMs=\d+/);
    await stop();
  });

  test('a long outage: one line when it passes the quiet period, one when registered again', async () => {
    const def = buildServiceDefinition(inst, DEFAULT_CHECK);
    const { client, state } = agent(def);
    const { lines, logger: log } = logger();
    const stop = keepRegistered(client, def, { intervalMs: 1000, logger: log, quietOutageMs: 10_000 });
    state.down = true;
    await jest.advanceTimersByTimeAsync(30_000);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot verify registration with the Consul agent; will keep trying/);
    state.down = false;
    state.services = {};
    await jest.advanceTimersByTimeAsync(3000);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/registered again/);
    await stop();
  });

  test('an address from Consul with a newline and an escape code cannot forge a line of our output', async () => {
    const def = buildServiceDefinition(inst, DEFAULT_CHECK);
    const { client, state } = agent(def);
    const { logger: log } = logger();
    const fatal: Error[] = [];
    keepRegistered(client, def, { intervalMs: 1000, logger: log, onFatal: (e) => fatal.push(e) });
    state.services[def.id] = { ID: def.id, Address: '10.0.0.8\nworkshop-api: registered fine\u001b[2K', Port: 3001 };
    await jest.advanceTimersByTimeAsync(5000);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]!.message).not.toContain('\n');
    expect(fatal[0]!.message).not.toContain('\u001b');
    expect(fatal[0]!.message).toContain('"10.0.0.8\\nworkshop-api: registered fine\\u001b[2K:3001"');
  });

  test('another instance holds our ID at another address: onFatal, and no re-registration over it', async () => {
    const def = buildServiceDefinition(inst, DEFAULT_CHECK);
    const { client, state } = agent(def);
    const { logger: log } = logger();
    const fatal: Error[] = [];
    keepRegistered(client, def, { intervalMs: 1000, logger: log, onFatal: (e) => fatal.push(e) });
    state.services[def.id] = { ID: def.id, Address: '10.0.0.8', Port: 3001 };
    await jest.advanceTimersByTimeAsync(5000);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toBeInstanceOf(DuplicateInstanceError);
    expect(fatal[0]!.message).toMatch(/"workshop-alice" is now registered by another instance at "10\.0\.0\.8:3001"/);
    expect(state.registered).toBe(0);
  });

  test("the agent's list read through the gateway's schema: not an object is 'cannot verify', never a re-registration", async () => {
    const def = buildServiceDefinition(inst, DEFAULT_CHECK);
    const { client, state } = agent(def);
    const { lines, logger: log } = logger();
    const fatal: Error[] = [];
    const stop = keepRegistered(client, def, { intervalMs: 1000, logger: log, quietOutageMs: 3000, onFatal: (e) => fatal.push(e) });
    state.services = ['not', 'a', 'map'] as never;
    await jest.advanceTimersByTimeAsync(5000);
    expect(state.registered).toBe(0);
    expect(fatal).toEqual([]);
    expect(lines.join('\n')).toMatch(
      /cannot verify registration with the Consul agent; will keep trying .*GET \/v1\/agent\/services: unexpected answer/,
    );
    // An entry that does not say where it is (no numeric Port) is still ours: no fatal, no re-registration.
    state.services = { [def.id]: { ID: def.id, Address: '10.0.0.8', Port: '3001' } };
    await jest.advanceTimersByTimeAsync(3000);
    expect(fatal).toEqual([]);
    expect(state.registered).toBe(0);
    await stop();
  });

  test('the agent refuses us (HTTP 403, e.g. the ACL token was revoked): onFatal once, the loop ends', async () => {
    const def = buildServiceDefinition(inst, DEFAULT_CHECK);
    const { client, state } = agent(def);
    const { logger: log } = logger();
    const fatal: Error[] = [];
    keepRegistered(client, def, { intervalMs: 1000, logger: log, onFatal: (e) => fatal.push(e) });
    state.listError = responseError(403, 'forbidden', 'Permission denied');
    await jest.advanceTimersByTimeAsync(5000);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toBeInstanceOf(RegistrationRefusedError);
    expect(fatal[0]!.message).toBe('the Consul agent refused to list services (HTTP 403): forbidden: Permission denied');
  });

  test('the default interval finds a vanished registration within 5 s', () => {
    expect(DEFAULT_REREGISTER_INTERVAL_MS).toBeLessThanOrEqual(5000 / 2);
  });
});
