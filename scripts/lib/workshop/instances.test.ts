import { UsageError } from '../../../services/shared/errors';
import type { ServiceInstance } from '../consul/labConsul';
import type { LabContainer } from '../docker/labContainers';
import { buildTargets, derivedInstanceName, pickDefault, resolveTarget, targetAliases } from './instances';

const container = (n: number, id: string, state = 'running'): LabContainer => ({
  id: id + '0'.repeat(64 - id.length),
  shortId: (id + '0'.repeat(12)).slice(0, 12),
  name: `consul-lab-workshop-api-${n}`,
  service: 'workshop-api',
  number: n,
  state,
  health: state === 'running' ? 'healthy' : 'none',
  ports: [],
  labels: { 'com.docker.compose.project': 'consul-lab' },
});

const reg = (name: string, host: string, status: ServiceInstance['status'] = 'passing'): ServiceInstance => ({
  id: `workshop-${name}`,
  service: 'workshop',
  address: '10.213.50.13' + host.slice(-1),
  port: 8080,
  tags: [],
  meta: { name, host },
  node: 'consul-agent',
  status,
});

const c1 = container(1, 'aaaaaa111111');
const c2 = container(2, 'bbbbbb222222');
const c3 = container(3, 'cccccc333333', 'exited');
const targets = buildTargets(
  [
    { container: c1, hostname: c1.shortId, env: [] },
    { container: c2, hostname: c2.shortId, env: [] },
    { container: c3, hostname: c3.shortId, env: [] },
  ],
  [reg('api-aaaaaa', c1.shortId), reg('renamed', c2.shortId, 'critical')],
);

describe('buildTargets', () => {
  it('names registered instances from Consul Meta and stopped ones like the service does', () => {
    expect(targets.map((t) => [t.name, t.serviceId, t.container.number])).toEqual([
      ['api-aaaaaa', 'workshop-api-aaaaaa', 1],
      ['api-cccccc', 'workshop-api-cccccc', 3],
      ['renamed', 'workshop-renamed', 2],
    ]);
  });
  it('matches instances that share a host (same hostname) by their WORKSHOP_NAME, not by Meta.host', () => {
    const a1 = { ...container(1, 'dddddd444444'), service: 'workshop-api-a1', name: 'consul-lab-workshop-api-a1-1' };
    const a2 = { ...container(1, 'eeeeee555555'), service: 'workshop-api-a2', name: 'consul-lab-workshop-api-a2-1' };
    const shared = buildTargets(
      [
        { container: a1, hostname: 'host-a', env: ['WORKSHOP_NAME=api-a1'] },
        { container: a2, hostname: 'host-a', env: ['WORKSHOP_NAME=api-a2'] },
      ],
      [reg('api-a2', 'host-a', 'critical'), reg('api-a1', 'host-a')],
    );
    expect(shared.map((t) => [t.container.service, t.registration?.id, t.registration?.status])).toEqual([
      ['workshop-api-a1', 'workshop-api-a1', 'passing'],
      ['workshop-api-a2', 'workshop-api-a2', 'critical'],
    ]);
  });
  it('derives names like the workshop-api: api-<6 chars of the hostname>, or WORKSHOP_NAME', () => {
    expect(derivedInstanceName('3F2A1B9C8D7E')).toBe('api-3f2a1b');
    expect(derivedInstanceName('x', ['WORKSHOP_NAME=alice'])).toBe('alice');
  });
});

describe('resolveTarget', () => {
  it('accepts the page name, the Consul ID, the container name, Compose short name and an id prefix', () => {
    for (const arg of ['api-aaaaaa', 'workshop-api-aaaaaa', 'consul-lab-workshop-api-1', 'workshop-api-1', 'aaaaaa11', c1.shortId]) {
      expect(resolveTarget(targets, arg).container.number).toBe(1);
    }
    expect(targetAliases(targets[0]!)).toContain('workshop-api-1');
  });
  it('rejects an unknown name as bad input, listing the known ones', () => {
    expect(() => resolveTarget(targets, 'bob')).toThrow(UsageError);
    expect(() => resolveTarget(targets, 'bob')).toThrow(
      'no workshop-api instance named "bob"; instances: api-aaaaaa (consul-lab-workshop-api-1), api-cccccc (consul-lab-workshop-api-3), renamed (consul-lab-workshop-api-2)',
    );
  });
});

describe('pickDefault', () => {
  it('takes the first running instance that passes, else any running one', () => {
    expect(pickDefault(targets)?.name).toBe('api-aaaaaa');
    expect(pickDefault(targets.filter((t) => t.name !== 'api-aaaaaa'))?.name).toBe('renamed');
    expect(pickDefault(targets.filter((t) => t.container.state !== 'running'))).toBeUndefined();
  });
});
