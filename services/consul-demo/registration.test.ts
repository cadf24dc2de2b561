import { consulErrorText, isPermanentConsulError, registrationFor, serviceIdFor } from './registration';

test('service IDs are unique per incarnation and safe for Consul', () => {
  expect(serviceIdFor(1, 'a1b2c3d4e5f6', 1)).toBe('consul-demo-a1b2c3d4e5f6-1-1');
  expect(serviceIdFor(2, 'a1b2c3d4e5f6', 1)).toBe('consul-demo-a1b2c3d4e5f6-1-2');
  expect(serviceIdFor(1, 'laptop.local', 4242)).toBe('consul-demo-laptop-local-4242-1');
  expect(serviceIdFor(1, '', 7)).toBe('consul-demo-host-7-1');
});

test('registration: name, tag, meta, address/port and a TCP check attached to the service', () => {
  const r = registrationFor({ id: 'consul-demo-h-1-1', version: 'v2', address: '172.28.0.7', port: 40123 });
  expect(r).toEqual({
    name: 'consul-demo',
    id: 'consul-demo-h-1-1',
    address: '172.28.0.7',
    port: 40123,
    tags: ['v2'],
    meta: { version: 'v2' },
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

test('errors retrying cannot fix are told apart from transient ones', () => {
  const http = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode });
  expect(isPermanentConsulError(http(400, 'Invalid check'))).toBe(true);
  expect(isPermanentConsulError(http(403, 'Permission denied'))).toBe(true);
  expect(isPermanentConsulError(http(403, "Permission denied: token with AccessorID 'x' lacks permission 'service:write'"))).toBe(true);
  expect(isPermanentConsulError(Object.assign(new TypeError('Invalid character in header content ["X-Consul-Token"]'), { code: 'ERR_INVALID_CHAR' }))).toBe(true);
  // Transient: the token may still be replicating, the agent restarting, a leader being elected.
  expect(isPermanentConsulError(http(403, 'ACL not found'))).toBe(false);
  expect(isPermanentConsulError(http(500, 'No cluster leader'))).toBe(false);
  expect(isPermanentConsulError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8500'), { code: 'ECONNREFUSED' }))).toBe(false);
  expect(isPermanentConsulError('not an error')).toBe(false);
});

test('Consul\'s reason is read from the body when the client keeps only the status text', () => {
  // What consul 2.0.1 (papi) makes of a 403 whose text body is longer than it keeps as the message.
  const long = Object.assign(new Error('forbidden'), {
    statusCode: 403,
    response: { statusCode: 403, body: "Permission denied: token with AccessorID '00000000-0000-0000-0000-000000000002' lacks permission 'service:write' on \"consul-demo\"" },
  });
  expect(consulErrorText(long)).toMatch(/^forbidden: Permission denied: token with AccessorID/);
  expect(isPermanentConsulError(long)).toBe(true);
  const notFound = Object.assign(new Error('forbidden'), { statusCode: 403, response: { statusCode: 403, body: 'ACL not found' } });
  expect(isPermanentConsulError(notFound)).toBe(false);
  // A short body is already the message: not repeated.
  expect(consulErrorText(Object.assign(new Error('Permission denied'), { response: { body: 'Permission denied' } }))).toBe('Permission denied');
});
