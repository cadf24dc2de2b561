import fc from 'fast-check';
import { toObservations } from './instances';

test('an entry: ID, worst check (the node serfHealth too), port, address falling back to the node, version from Meta or a v-tag', () => {
  const [a, b] = toObservations([
    {
      Node: { Node: 'host-a', Address: '10.0.0.7' },
      Service: { ID: 'consul-demo-host-a-1-v2-3', Address: '', Port: 31000, Tags: ['v2'], Meta: null },
      Checks: [{ Status: 'passing' }, { Status: 'critical' }],
    },
    { Node: { Node: 'host-b' }, Service: { ID: 'w', Address: '10.0.0.9', Port: 3000, Meta: { version: '7' } }, Checks: [] },
  ]);
  expect(a).toEqual({
    id: 'consul-demo-host-a-1-v2-3',
    status: 'critical',
    info: { node: 'host-a', address: '10.0.0.7', port: 31000, version: 'v2' },
  });
  expect(b).toEqual({ id: 'w', status: 'passing', info: { node: 'host-b', address: '10.0.0.9', port: 3000, version: '7' } });
});

test('property: any JSON gives observations with string IDs, never an exception', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (body) => {
      for (const o of toObservations(body)) expect(typeof o.id).toBe('string');
    }),
    { numRuns: 300 },
  );
  const entry = fc.record({
    Service: fc.record({ ID: fc.string(), Port: fc.anything(), Meta: fc.anything(), Tags: fc.anything() }),
    Checks: fc.anything(),
  });
  fc.assert(
    fc.property(fc.array(entry), (body) => void toObservations(body)),
    { numRuns: 300 },
  );
});
