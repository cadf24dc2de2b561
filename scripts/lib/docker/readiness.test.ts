import type { LabContainer } from './labContainers';
import { isReady, stateChanges } from './readiness';

describe('readiness', () => {
  const c = (id: string, state: string, health: LabContainer['health']): LabContainer => ({
    id,
    shortId: id,
    name: `consul-lab-${id}`,
    service: id,
    number: 1,
    state,
    health,
    ports: [],
    labels: { 'com.docker.compose.project': 'consul-lab' },
  });
  it('is ready when running and healthy (or without a healthcheck)', () => {
    expect(isReady(c('a', 'running', 'healthy'))).toBe(true);
    expect(isReady(c('a', 'running', 'none'))).toBe(true);
    expect(isReady(c('a', 'running', 'starting'))).toBe(false);
    expect(isReady(c('a', 'created', 'none'))).toBe(false);
  });
  it('prints a line only when a container changes', () => {
    const seen = new Map<string, string>();
    expect(stateChanges(seen, [c('nginx', 'created', 'none'), c('host-a-agent', 'running', 'starting')])).toEqual([
      'nginx         created    (0/2 ready)',
      'host-a-agent  starting   (0/2 ready)',
    ]);
    expect(stateChanges(seen, [c('nginx', 'created', 'none'), c('host-a-agent', 'running', 'healthy')])).toEqual([
      'host-a-agent  healthy    (1/2 ready)',
    ]);
  });
});
