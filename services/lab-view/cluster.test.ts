import fc from 'fast-check';
import { type Member, type StateCheck, clusterView, hostsView, toMembers, toStateChecks, worstStatus } from './cluster';

const server = (n: number, status = 1): Member => ({
  Name: `consul-server-${n}`,
  Addr: `10.0.0.${n}`,
  Status: status,
  Tags: { role: 'consul', port: '8300' },
});
const host = (name: string, status = 1): Member => ({ Name: name, Addr: '10.0.1.1', Status: status, Tags: { role: 'node' } });
const peers = ['10.0.0.1:8300', '10.0.0.2:8300', '10.0.0.3:8300'];

test('three voters alive with a leader: the summary names it', () => {
  const v = clusterView([server(1), server(2), server(3), host('host-a')], '10.0.0.2:8300', peers);
  expect(v.summary).toBe('3 of 3 voters alive, leader consul-server-2');
  expect(v.quorum).toBe(true);
  expect(v.servers.map((s) => s.leader)).toEqual([false, true, false]);
  expect(v.servers).toHaveLength(3);
});

test('one server failed: 2 of 3, still quorum; no leader: says so', () => {
  expect(clusterView([server(1), server(2, 4), server(3)], '10.0.0.1:8300', peers).summary).toBe(
    '2 of 3 voters alive, leader consul-server-1',
  );
  const none = clusterView([server(1), server(2, 4), server(3, 4)], '', null);
  expect(none.summary).toMatch(/^no leader/);
  expect(none.quorum).toBe(false);
});

test('hosts: client members with serfHealth and their services, worst check wins; servers are not hosts', () => {
  const checks: StateCheck[] = [
    { Node: 'host-a', CheckID: 'serfHealth', Status: 'passing', ServiceID: '', ServiceName: '' },
    { Node: 'host-a', CheckID: 'service:w1', Status: 'passing', ServiceID: 'w1', ServiceName: 'workshop' },
    { Node: 'host-a', CheckID: 'extra', Status: 'warning', ServiceID: 'w1', ServiceName: 'workshop' },
    { Node: 'host-b', CheckID: 'serfHealth', Status: 'critical', ServiceID: '', ServiceName: '' },
    { Node: 'host-b', CheckID: 'service:w2', Status: 'passing', ServiceID: 'w2', ServiceName: 'workshop' },
    { Node: 'consul-server-1', CheckID: 'serfHealth', Status: 'passing', ServiceID: '', ServiceName: '' },
  ];
  const hosts = hostsView([server(1), host('host-a'), host('host-b', 4)], checks);
  expect(hosts.map((h) => [h.name, h.status, h.serf])).toEqual([
    ['host-a', 'alive', 'passing'],
    ['host-b', 'failed', 'critical'],
  ]);
  expect(hosts[0]!.services).toEqual([{ id: 'w1', name: 'workshop', status: 'warning' }]);
  // A failed node's serfHealth fails its services too, as Consul's health endpoints say.
  expect(hosts[1]!.services[0]!.status).toBe('critical');
});

test('worstStatus: unknown statuses (maintenance, garbage) count as critical', () => {
  expect(worstStatus([])).toBe('passing');
  expect(worstStatus(['passing', 'maintenance'])).toBe('critical');
  expect(worstStatus(['warning', 'passing'])).toBe('warning');
});

// Consul's answers are untrusted input: whatever arrives, the views are built, never thrown.
test('property: any JSON as members and checks gives views, never an exception', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.jsonValue(), fc.string(), (m, c, leader) => {
      const members = toMembers(m);
      const checks = toStateChecks(c);
      clusterView(members, leader, null);
      hostsView(members, checks);
    }),
    { numRuns: 300 },
  );
  const anyMember = fc.record({
    Name: fc.string(),
    Addr: fc.string(),
    Status: fc.integer(),
    Tags: fc.dictionary(fc.string(), fc.string()),
  });
  fc.assert(
    fc.property(fc.array(anyMember), fc.array(fc.string()), (members, ps) => {
      const v = clusterView(toMembers(members), ps[0] ?? '', ps);
      expect(v.votersAlive).toBeLessThanOrEqual(v.voters);
    }),
    { numRuns: 200 },
  );
});
