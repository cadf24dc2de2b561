import { registrationFor, serviceIdFor } from './registration';

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
