import type Docker from 'dockerode';
import { UsageError } from '../../../services/shared/errors';
import { labEndpoints } from './endpoints';
import { LabContainer, labNotUpMessage, parseHealth, publishedPort, requireLab, resolveProjectName, sortContainers, toLabContainer } from './labContainers';

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
    expect(c).toMatchObject({ service: 'workshop-api', number: 2, name: 'consul-lab-workshop-api-2', health: 'starting', state: 'running' });
    expect(c.shortId).toHaveLength(12);
    expect(parseHealth('Up 1 minute (unhealthy)')).toBe('unhealthy');
    expect(parseHealth('Up 1 minute')).toBe('none');
    expect(toLabContainer(info({ service: 'nginx', State: 'exited', Status: 'Exited (0) 2 seconds ago' })).health).toBe('none');
  });

  it('sorts in lab order, then by replica', () => {
    const sorted = sortContainers(
      [info({ service: 'workshop-api', number: 2 }), info({ service: 'nginx' }), info({ service: 'consul-server-2' }), info({ service: 'workshop-api', number: 1 })].map(toLabContainer),
    );
    expect(sorted.map((c) => `${c.service}#${c.number}`)).toEqual(['consul-server-2#1', 'nginx#1', 'workshop-api#1', 'workshop-api#2']);
  });
});

describe('published ports and endpoints', () => {
  const agent = toLabContainer(info({ service: 'consul-agent', Ports: [{ IP: '127.0.0.1', PrivatePort: 8500, PublicPort: 18500, Type: 'tcp' }, { IP: '127.0.0.1', PrivatePort: 8600, PublicPort: 18600, Type: 'udp' }] }));
  const nginx = toLabContainer(info({ service: 'nginx', Ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 18080, Type: 'tcp' }] }));

  it('finds the host port a container publishes', () => {
    expect(publishedPort(agent, 8500)).toEqual({ host: '127.0.0.1', port: 18500 });
    expect(publishedPort(agent, 8600)).toBeUndefined(); // only udp published here
    expect(publishedPort(nginx, 80)).toEqual({ host: '127.0.0.1', port: 18080 });
  });

  it('prefers the ports the running lab publishes over env and defaults', () => {
    const ep = labEndpoints([agent, nginx], { CONSUL_HTTP_ADDR: '127.0.0.1:8500', LAB_NGINX_PORT: '9999' });
    expect(ep.consulUrl).toBe('http://127.0.0.1:18500');
    expect(ep.nginxUrl).toBe('http://127.0.0.1:18080');
  });

  it('falls back to LAB_* ports, then CONSUL_HTTP_ADDR, then the defaults', () => {
    expect(labEndpoints([], { LAB_CONSUL_HTTP_PORT: '28500', LAB_NGINX_PORT: '28080', CONSUL_HTTP_ADDR: 'x:1' })).toMatchObject({ consulUrl: 'http://127.0.0.1:28500', nginxUrl: 'http://127.0.0.1:28080' });
    expect(labEndpoints([], { CONSUL_HTTP_ADDR: 'http://10.1.2.3:8501' }).consulUrl).toBe('http://10.1.2.3:8501');
    expect(labEndpoints([], {})).toMatchObject({ consulUrl: 'http://127.0.0.1:8500', nginxUrl: 'http://127.0.0.1:8080' });
    expect(() => labEndpoints([], { LAB_NGINX_PORT: '99999' })).toThrow(/LAB_NGINX_PORT/);
  });
});

describe('requireLab', () => {
  const fakeDocker = (byFilter: (label: string) => Docker.ContainerInfo[]): Docker =>
    ({ listContainers: async (o: { filters: { label: string[] } }) => byFilter(o.filters.label[0]!) }) as unknown as Docker;

  it('returns the containers of a running lab', async () => {
    const d = fakeDocker(() => [info({ service: 'consul-agent' }), info({ service: 'nginx' })]);
    const cs: LabContainer[] = await requireLab(d, 'consul-lab');
    expect(cs.map((c) => c.service)).toEqual(['consul-agent', 'nginx']);
  });

  it('says how to start it, and names another lab project it saw', async () => {
    const d = fakeDocker((label) => (label === 'com.docker.compose.service=consul-agent' ? [info({ service: 'consul-agent', project: 'lab-scripts' })] : []));
    await expect(requireLab(d, 'consul-lab')).rejects.toThrow('lab "consul-lab" has no containers: start it with `npm run lab:up`; a lab runs as project "lab-scripts": pass -p lab-scripts or set COMPOSE_PROJECT_NAME');
  });

  it('treats a stopped Consul agent as "not running"', async () => {
    const d = fakeDocker(() => [info({ service: 'consul-agent', State: 'exited' })]);
    await expect(requireLab(d, 'consul-lab')).rejects.toThrow(/is not running \(its consul-agent is down\)/);
  });

  it('message without other projects has no hint', () => {
    expect(labNotUpMessage('consul-lab', [])).toBe('lab "consul-lab" has no containers: start it with `npm run lab:up`');
  });
});
