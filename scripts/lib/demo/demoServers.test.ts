import type { LabContainer } from '../docker/labContainers';
import { containerLabel, containerOfInstance } from './demoServers';

const c = (n: number): LabContainer => ({
  id: `id${n}`,
  shortId: `id${n}`,
  name: `consul-lab-demo-server-${n}`,
  service: 'demo-server',
  number: n,
  state: 'running',
  health: 'healthy',
  ports: [],
  labels: { 'com.docker.compose.project': 'consul-lab' },
});

describe('containerOfInstance', () => {
  const prefixes = new Map([
    ['consul-demo-host-b-7-aa11', c(1)],
    ['consul-demo-host-b-7-aa1', c(2)],
  ]);
  it('finds the container by the prefix its process wrote, never by a longer lookalike', () => {
    expect(containerOfInstance(prefixes, 'consul-demo-host-b-7-aa11-3')?.number).toBe(1);
    expect(containerOfInstance(prefixes, 'consul-demo-host-b-7-aa1-3')?.number).toBe(2);
    expect(containerOfInstance(prefixes, 'consul-demo-host-b-7-aa11')?.number).toBe(1);
    expect(containerOfInstance(prefixes, 'consul-demo-host-b-8-cc33-1')).toBeUndefined();
  });
  it('labels an unknown instance as gone', () => {
    expect(containerLabel(prefixes, 'consul-demo-host-b-7-aa11-9')).toBe('demo-server-1');
    expect(containerLabel(prefixes, 'consul-demo-x-1-ffff-1')).toBe('(gone)');
  });
});
