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
