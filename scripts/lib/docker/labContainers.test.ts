import type Docker from 'dockerode';
import { UsageError } from '../../../services/shared/errors';
import {
  LabContainer,
  labNotUpMessage,
  parseHealth,
  requireLab,
  resolveProjectName,
  sortContainers,
  toLabContainer,
} from './labContainers';

const info = (o: Partial<Docker.ContainerInfo> & { service: string; number?: number; project?: string }): Docker.ContainerInfo =>
  ({
    Id: 'abcdef0123456789' + o.service,
    Names: [`/consul-lab-${o.service}-${o.number ?? 1}`],
    State: 'running',
    Status: 'Up 3 minutes (healthy)',
    Ports: [],
    Labels: {
      'com.docker.compose.project': o.project ?? 'consul-lab',
      'com.docker.compose.service': o.service,
      'com.docker.compose.container-number': String(o.number ?? 1),
    },
    ...o,
  }) as unknown as Docker.ContainerInfo;

describe('resolveProjectName', () => {
  it('takes the flag, then COMPOSE_PROJECT_NAME, then consul-lab', () => {
    expect(resolveProjectName('mine', { COMPOSE_PROJECT_NAME: 'env' })).toBe('mine');
    expect(resolveProjectName(undefined, { COMPOSE_PROJECT_NAME: 'lab-scripts' })).toBe('lab-scripts');
    expect(resolveProjectName(undefined, {})).toBe('consul-lab');
  });
  it('rejects names Compose would reject, naming where it came from', () => {
    expect(() => resolveProjectName('Bad Name', {})).toThrow(UsageError);
    expect(() => resolveProjectName(undefined, { COMPOSE_PROJECT_NAME: 'UPPER' })).toThrow(/COMPOSE_PROJECT_NAME/);
  });
});

describe('containers from labels', () => {
  it('reads service, replica number, health and name', () => {
    const c = toLabContainer(info({ service: 'workshop-api', number: 2, Status: 'Up 5 seconds (health: starting)' }));
    expect(c).toMatchObject({
      service: 'workshop-api',
      number: 2,
      name: 'consul-lab-workshop-api-2',
      health: 'starting',
      state: 'running',
    });
    expect(c.shortId).toHaveLength(12);
    expect(parseHealth('Up 1 minute (unhealthy)')).toBe('unhealthy');
    expect(parseHealth('Up 1 minute')).toBe('none');
    expect(toLabContainer(info({ service: 'nginx', State: 'exited', Status: 'Exited (0) 2 seconds ago' })).health).toBe('none');
  });

  it('sorts in lab order, then by replica', () => {
    const sorted = sortContainers(
      [
        info({ service: 'workshop-api', number: 2 }),
        info({ service: 'nginx' }),
        info({ service: 'consul-server-2' }),
        info({ service: 'workshop-api', number: 1 }),
      ].map(toLabContainer),
    );
    expect(sorted.map((c) => `${c.service}#${c.number}`)).toEqual(['consul-server-2#1', 'nginx#1', 'workshop-api#1', 'workshop-api#2']);
  });
});

describe('requireLab', () => {
  const fakeDocker = (byFilter: (label: string) => Docker.ContainerInfo[]): Docker =>
    ({ listContainers: async (o: { filters: { label: string[] } }) => byFilter(o.filters.label[0]!) }) as unknown as Docker;

  it('returns the containers of a running lab', async () => {
    const d = fakeDocker(() => [info({ service: 'host-a-agent' }), info({ service: 'nginx' })]);
    const cs: LabContainer[] = await requireLab(d, 'consul-lab');
    expect(cs.map((c) => c.service)).toEqual(['host-a-agent', 'nginx']);
  });

  it('says how to start it, and names another lab project it saw', async () => {
    const d = fakeDocker((label) =>
      label === 'com.docker.compose.service=host-a-agent' ? [info({ service: 'host-a-agent', project: 'lab-scripts' })] : [],
    );
    await expect(requireLab(d, 'consul-lab')).rejects.toThrow(
      'lab "consul-lab" has no containers: start it with `npm run lab:up`; a lab runs as project "lab-scripts": pass -p lab-scripts or set COMPOSE_PROJECT_NAME',
    );
  });

  it('treats a stopped Consul agent as "not running"', async () => {
    const d = fakeDocker(() => [info({ service: 'host-a-agent', State: 'exited' })]);
    await expect(requireLab(d, 'consul-lab')).rejects.toThrow(/is not running \(its host-a-agent is down\)/);
  });

  it('message without other projects has no hint', () => {
    expect(labNotUpMessage('consul-lab', [])).toBe('lab "consul-lab" has no containers: start it with `npm run lab:up`');
  });
});
