import fc from 'fast-check';
import { isHost } from '../../shared/consul/address';
import { ConsulError } from '../../shared/consul/errors';
import { instancesFromHealth } from './http';

test('instances from /v1/health/service entries, protocol from the tag', () => {
  const got = instancesFromHealth([
    { Node: { Address: '10.0.0.1' }, Service: { ID: 'a', Address: '10.0.0.9', Port: 4000, Tags: ['v2'], Meta: { version: 'v2' } } },
    { Node: { Address: '10.0.0.2' }, Service: { ID: 'b', Address: '', Port: 4001, Tags: ['v1'] } },
    { Node: { Address: '10.0.0.3' }, Service: { ID: 'c', Address: '10.0.0.3', Port: 4002, Tags: null, Meta: { version: 'v1' } } },
  ]);
  expect(got).toEqual([
    { serviceId: 'a', address: '10.0.0.9', port: 4000, protocol: 'v2' },
    { serviceId: 'b', address: '10.0.0.2', port: 4001, protocol: 'v1' }, // empty Address → node's
    { serviceId: 'c', address: '10.0.0.3', port: 4002, protocol: 'v1' }, // no tag → Meta.version
  ]);
});

test('entries without a usable version, port or address are skipped', () => {
  expect(
    instancesFromHealth([
      { Node: { Address: '10.0.0.1' }, Service: { ID: 'x', Address: '10.0.0.1', Port: 4000, Tags: ['v3'] } },
      { Node: { Address: '10.0.0.1' }, Service: { ID: 'y', Address: '10.0.0.1', Port: 0, Tags: ['v1'] } },
      { Service: { ID: 'z', Address: '', Port: 4000, Tags: ['v1'] } },
      {},
    ]),
  ).toEqual([]);
});

test('an entry is skipped, never dialled, when its port is not 1-65535 or its address not a host', () => {
  const entry = (Service: Record<string, unknown>) => ({ Node: { Address: '10.0.0.1' }, Service: { ID: 's', Tags: ['v1'], ...Service } });
  expect(
    instancesFromHealth([
      entry({ Address: '10.0.0.9', Port: 65536 }),
      entry({ Address: '10.0.0.9', Port: -4000 }),
      entry({ Address: '10.0.0.9', Port: 4000.5 }),
      entry({ Address: '10.0.0.9', Port: '4000' }),
      // A bad service address is not "no address": it never falls back to the node's.
      entry({ Address: 'evil\u001b[2J', Port: 4000 }),
      entry({ Address: 42, Port: 4000 }),
      { Node: { Address: 'not a host' }, Service: { ID: 's', Address: '', Port: 4000, Tags: ['v1'] } },
    ]),
  ).toEqual([]);
  expect(
    instancesFromHealth([entry({ Address: 'demo-server-2', Port: 4000 }), entry({ ID: undefined, Address: 'fd00::9', Port: 1 })]),
  ).toEqual([
    { serviceId: 's', address: 'demo-server-2', port: 4000, protocol: 'v1' },
    { serviceId: null, address: 'fd00::9', port: 1, protocol: 'v1' },
  ]);
});

test('an answer that is not a list is a ConsulError naming the query', () => {
  expect(() => instancesFromHealth({ error: 'x' })).toThrow(ConsulError);
  expect(() => instancesFromHealth(null)).toThrow('GET /v1/health/service/consul-demo: unexpected answer');
});

test('whatever Consul answers: instances with a port 1-65535 and a host, or a ConsulError', () => {
  const value = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.integer({ min: -1, max: 70000 }), fc.ipV4(), fc.domain(), fc.string());
  const entry = fc.record(
    {
      Node: fc.record({ Address: value }, { requiredKeys: [] }),
      Service: fc.record({ ID: value, Address: value, Port: value, Tags: fc.constant(['v2']) }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(fc.oneof(fc.array(fc.oneof(entry, fc.jsonValue({ maxDepth: 1 })), { maxLength: 4 }), fc.jsonValue()), (answer) => {
      let got;
      try {
        got = instancesFromHealth(answer);
      } catch (err) {
        expect(err).toBeInstanceOf(ConsulError);
        return;
      }
      for (const i of got) {
        expect(Number.isInteger(i.port) && i.port >= 1 && i.port <= 65535).toBe(true);
        expect(isHost(i.address)).toBe(true);
        expect(i.serviceId === null || (typeof i.serviceId === 'string' && i.serviceId !== '')).toBe(true);
      }
    }),
  );
});
