import { ConsulError } from '../shared/consul/errors';
import { PeerTracker, passingServiceIds, serverKey } from './peers';

test('serverKey drops the incarnation number', () => {
  expect(serverKey('consul-demo-3f2a1b-7-0f3c-12')).toBe('consul-demo-3f2a1b-7-0f3c');
  expect(serverKey('consul-demo-my-laptop-4242-beef-1')).toBe('consul-demo-my-laptop-4242-beef');
  // Two servers on one simulated host (same hostname, same pid): two peers, not one.
  expect(serverKey('consul-demo-host-b-1-0a0a-3')).not.toBe(serverKey('consul-demo-host-b-1-0b0b-3'));
});

test('a peer on the same simulated host (same hostname and pid, another random part) is a peer, not ourselves', () => {
  const t = new PeerTracker('consul-demo-host-b-1-aaaa');
  expect(t.observe(['consul-demo-host-b-1-aaaa-2', 'consul-demo-host-b-1-bbbb-4'], 1000)).toEqual([]);
  expect(t.observe(['consul-demo-host-b-1-aaaa-2'], 2000)).toEqual(['consul-demo-host-b-1-bbbb']);
});

test('a peer seen passing and now missing is reported; ourselves never', () => {
  const t = new PeerTracker('consul-demo-a-1');
  expect(t.observe(['consul-demo-a-1-3', 'consul-demo-b-1-5'], 1000)).toEqual([]);
  // b is in its restart gap (deregistered): missing
  expect(t.observe(['consul-demo-a-1-3'], 2000)).toEqual(['consul-demo-b-1']);
  // b is back with a new incarnation: not missing
  expect(t.observe(['consul-demo-a-1-3', 'consul-demo-b-1-6'], 3000)).toEqual([]);
});

test('alone: nothing is missing', () => {
  const t = new PeerTracker('consul-demo-a-1');
  expect(t.observe([], 0)).toEqual([]);
  expect(t.observe(['consul-demo-a-1-2'], 100)).toEqual([]);
});

test('a peer gone for longer than the memory is forgotten', () => {
  const t = new PeerTracker('consul-demo-a-1', 30_000);
  t.observe(['consul-demo-b-1-1'], 0);
  expect(t.observe([], 29_000)).toEqual(['consul-demo-b-1']);
  expect(t.observe([], 31_000)).toEqual([]);
  expect(t.observe([], 32_000)).toEqual([]);
});

test("passingServiceIds: the passing instances' IDs through the gateway's schema; entries without one are left out", async () => {
  const asked: unknown[] = [];
  const consul = (answer: unknown) =>
    ({
      health: {
        service: async (opts: unknown) => {
          asked.push(opts);
          return answer;
        },
      },
    }) as never;
  const answer = [
    { Service: { ID: 'consul-demo-a-1-3' } },
    { Service: { ID: 7 } },
    { Service: {} },
    'junk',
    { Service: { ID: 'consul-demo-b-1-5' } },
  ];
  expect(await passingServiceIds(consul(answer), 1500)).toEqual(['consul-demo-a-1-3', 'consul-demo-b-1-5']);
  expect(asked).toEqual([{ service: 'consul-demo', passing: true, timeout: 1500 }]);
  await expect(passingServiceIds(consul({ not: 'a list' }), 1500)).rejects.toThrow(ConsulError);
});
