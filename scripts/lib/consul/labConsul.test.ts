import type { ConsulClient } from '../../../services/shared/consul/client';
import { countByStatus, LabConsul, parseHealthEntries, parseMembers, worstStatus } from './labConsul';

const members = [
  { Name: 'consul-agent', Addr: '10.213.50.10', Status: 1, Tags: { role: 'node' } },
  { Name: 'consul-server-2', Addr: '10.213.50.12', Status: 1, Tags: { role: 'consul', port: '8300' } },
  { Name: 'consul-server-1', Addr: '10.213.50.11', Status: 4, Tags: { role: 'consul', port: '8300' } },
];

const entry = (id: string, statuses: string[], extra: Record<string, unknown> = {}) => ({
  Node: { Node: 'consul-agent', Address: '10.213.50.10' },
  Service: {
    ID: id,
    Service: 'workshop',
    Address: '10.213.50.130',
    Port: 8080,
    Tags: [],
    Meta: { name: id.replace('workshop-', ''), host: 'abc' },
    ...extra,
  },
  Checks: statuses.map((Status) => ({ Status })),
});

describe('parseMembers', () => {
  it('maps roles and serf status codes, marks the leader, lists servers first', () => {
    expect(parseMembers(members, '10.213.50.12:8300')).toEqual([
      { name: 'consul-server-1', address: '10.213.50.11', role: 'server', status: 'failed', leader: false },
      { name: 'consul-server-2', address: '10.213.50.12', role: 'server', status: 'alive', leader: true },
      { name: 'consul-agent', address: '10.213.50.10', role: 'client', status: 'alive', leader: false },
    ]);
  });
  it('tells servers sharing one address apart by their RPC port (classroom mode advertises the LAN address)', () => {
    const room = [8300, 8310, 8320].map((port, i) => ({
      Name: `consul-server-${i + 1}`,
      Addr: '192.168.1.20',
      Status: 1,
      Tags: { role: 'consul', port: String(port) },
    }));
    expect(parseMembers(room, '192.168.1.20:8310').map((m) => m.leader)).toEqual([false, true, false]);
  });
  it('marks no leader when there is none', () => {
    expect(parseMembers(members, '').some((m) => m.leader)).toBe(false);
    expect(parseMembers(members, undefined).some((m) => m.leader)).toBe(false);
  });
});

describe('health entries', () => {
  it('takes the worst check (node serfHealth included) as the instance status', () => {
    expect(worstStatus(['passing', 'warning'])).toBe('warning');
    expect(worstStatus(['passing', 'critical', 'warning'])).toBe('critical');
    expect(worstStatus(['maintenance'])).toBe('critical');
    expect(worstStatus([])).toBe('passing');
  });
  it('parses instances and counts them by status', () => {
    const inst = parseHealthEntries([
      entry('workshop-api-a', ['passing', 'passing']),
      entry('workshop-api-b', ['passing', 'critical']),
      entry('workshop-api-c', ['passing'], { Address: '' }),
    ]);
    expect(inst[0]).toMatchObject({
      id: 'workshop-api-a',
      address: '10.213.50.130',
      port: 8080,
      status: 'passing',
      meta: { name: 'api-a', host: 'abc' },
    });
    expect(inst[2]!.address).toBe('10.213.50.10'); // empty service address → node address
    expect(countByStatus('workshop', inst)).toEqual({ service: 'workshop', passing: 2, warning: 0, critical: 1 });
  });
});

describe('LabConsul', () => {
  const fake = (over: Partial<Record<string, unknown>> = {}): ConsulClient =>
    ({
      status: { leader: async () => '10.213.50.12:8300' },
      agent: { members: async () => members },
      catalog: { service: { list: async () => ({ consul: [], workshop: [] }) } },
      health: {
        service: async (q: { service: string }) =>
          q.service === 'workshop'
            ? [entry('workshop-api-a', ['passing']), entry('workshop-api-b', ['critical'])]
            : [entry('consul', ['passing'])],
      },
      ...over,
    }) as unknown as ConsulClient;

  it('counts every service by health', async () => {
    const c = new LabConsul(fake(), 'http://127.0.0.1:8500');
    expect(await c.healthCounts(true)).toEqual([
      { service: 'consul', passing: 1, warning: 0, critical: 0 },
      { service: 'workshop', passing: 1, warning: 0, critical: 1 },
    ]);
    expect((await c.members()).find((m) => m.leader)?.name).toBe('consul-server-2');
    // a service the catalog lacks right now (a lone demo server between restarts) shows as zeros
    expect((await c.healthCounts(true, ['consul-demo'])).map((s) => s.service)).toEqual(['consul', 'consul-demo', 'workshop']);
  });

  it('turns a failure into one line naming the Consul address and query', async () => {
    const c = new LabConsul(
      fake({ agent: { members: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:8500\n  at x')) } }),
      'http://127.0.0.1:8500',
    );
    await expect(c.members()).rejects.toThrow('Consul at http://127.0.0.1:8500 (agent/members): connect ECONNREFUSED 127.0.0.1:8500');
  });

  it('reports "no leader" as an empty string (the client returns undefined for Consul\'s "")', async () => {
    const c = new LabConsul(fake({ status: { leader: async () => undefined } }), 'http://127.0.0.1:8500');
    expect(await c.leader()).toBe('');
    expect((await c.members()).some((m) => m.leader)).toBe(false);
  });

  it("reads the agent's Consul version, or says unknown", async () => {
    expect(await new LabConsul(fake({ agent: { self: async () => ({ Config: { Version: '1.20.5' } }) } }), 'u').version()).toBe('1.20.5');
    expect(await new LabConsul(fake({ agent: { self: async () => ({}) } }), 'u').version()).toBe('unknown');
  });

  it('gives up on a call that never answers', async () => {
    // The deadline itself is services/shared's withTimeout (tested there); here: LabConsul applies it.
    const c = new LabConsul(fake({ agent: { members: () => new Promise(() => undefined) } }), 'http://127.0.0.1:8500', 20);
    await expect(c.members()).rejects.toThrow('agent/members: no answer within 20 ms');
  });
});
