import fc from 'fast-check';
import { serverKey } from './peers';
import { instancePrefixFor, isRegisteredLocally, registrationFor, serviceIdFor } from './registration';
import type { ConsulClient } from '../shared/consul/client';
import { ConsulError, isPermanentConsulError } from '../shared/consul/errors';

test('service IDs: <prefix>-<n>, the prefix readable (host, pid) and safe for Consul', () => {
  expect(instancePrefixFor('a1b2c3d4e5f6', 1, '0f3c')).toBe('consul-demo-a1b2c3d4e5f6-1-0f3c');
  expect(instancePrefixFor('laptop.local', 4242, 'beef')).toBe('consul-demo-laptop-local-4242-beef');
  expect(instancePrefixFor('', 7, '0000')).toBe('consul-demo-host-7-0000');
  expect(serviceIdFor('consul-demo-a1b2c3d4e5f6-1-0f3c', 2)).toBe('consul-demo-a1b2c3d4e5f6-1-0f3c-2');
});

test('two processes with the same hostname and pid (containers sharing a network namespace, under tini) differ', () => {
  const prefixes = new Set(Array.from({ length: 50 }, () => instancePrefixFor('host-b', 1)));
  // 4 random hex digits: 50 draws collide with p ≈ 2 %, so ask for nearly all distinct, not all.
  expect(prefixes.size).toBeGreaterThanOrEqual(48);
  for (const p of prefixes) expect(p).toMatch(/^consul-demo-host-b-1-[0-9a-f]{4}$/);
});

test('property: any hostname gives an ID of [A-Za-z0-9-] whose serverKey is the prefix it was made from', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), fc.integer({ min: 1, max: 4_194_304 }), fc.nat(1_000_000), (host, pid, n) => {
      const prefix = instancePrefixFor(host, pid);
      const id = serviceIdFor(prefix, n);
      expect(id).toMatch(/^consul-demo-[A-Za-z0-9-]+$/);
      expect(serverKey(id)).toBe(prefix);
      // What the healthcheck in the README relies on: the prefix matches this process's IDs and only those.
      expect(id.startsWith(`${prefix}-`)).toBe(true);
    }),
  );
});

test('registration: name, tag, meta, address/port and a TCP check attached to the service', () => {
  const r = registrationFor({
    id: 'consul-demo-h-1-1',
    version: 'v2',
    address: '172.28.0.7',
    port: 40123,
    restartMode: 'break-before-make',
  });
  expect(r).toEqual({
    name: 'consul-demo',
    id: 'consul-demo-h-1-1',
    address: '172.28.0.7',
    port: 40123,
    tags: ['v2'],
    meta: { version: 'v2', restart_mode: 'break-before-make' },
    check: {
      name: 'consul-demo TCP 172.28.0.7:40123',
      tcp: '172.28.0.7:40123',
      interval: '1s',
      timeout: '1s',
      deregistercriticalserviceafter: '1m',
      status: 'passing',
    },
  });
});

test('Meta.restart_mode says how the server hands over, so a one-server make-before-break lab is told from a gap lab', () => {
  const input = { id: 'consul-demo-h-1-2', version: 'v1' as const, address: '10.0.0.2', port: 40000 };
  expect(registrationFor({ ...input, restartMode: 'make-before-break' }).meta).toEqual({
    version: 'v1',
    restart_mode: 'make-before-break',
  });
  expect(registrationFor({ ...input, restartMode: 'break-before-make' }).meta).toEqual({
    version: 'v1',
    restart_mode: 'break-before-make',
  });
});

describe("isRegisteredLocally: the agent's own services, read through the gateway's schema", () => {
  const agentAnswering = (answer: unknown): ConsulClient =>
    ({ agent: { service: { list: async () => answer } } }) as unknown as ConsulClient;

  test('present or absent by ID, never by an inherited key', async () => {
    const agent = agentAnswering({ 'demo-1': { ID: 'demo-1', Service: 'consul-demo', Port: 4000 } });
    expect(await isRegisteredLocally(agent, 'demo-1', 1000)).toBe(true);
    expect(await isRegisteredLocally(agent, 'demo-2', 1000)).toBe(false);
    expect(await isRegisteredLocally(agent, 'toString', 1000)).toBe(false);
  });

  test('an answer that is no map of services is an error the watch retries, not "gone" (which would register again)', async () => {
    for (const answer of [null, 'oops', [{ ID: 'demo-1' }]]) {
      const err = await isRegisteredLocally(agentAnswering(answer), 'demo-1', 1000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConsulError);
      expect(isPermanentConsulError(err)).toBe(false);
    }
  });
});
