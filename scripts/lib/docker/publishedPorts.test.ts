import type { LabContainer } from './labContainers';
import { labEndpoints, labEnvFromContainers, publishedPort } from './publishedPorts';

const c = (service: string, ports: LabContainer['ports']): LabContainer => ({
  id: service,
  shortId: service,
  name: service,
  service,
  number: 1,
  state: 'running',
  health: 'healthy',
  ports,
  labels: {},
});

describe('labEnvFromContainers', () => {
  it("reads the running lab's ports and subnet prefix back", () => {
    const env = labEnvFromContainers(
      [
        c('host-a', [
          { IP: '127.0.0.1', PrivatePort: 8500, PublicPort: 28500, Type: 'tcp' },
          { IP: '127.0.0.1', PrivatePort: 8600, PublicPort: 28600, Type: 'tcp' },
          { IP: '127.0.0.1', PrivatePort: 8600, PublicPort: 28600, Type: 'udp' },
          { IP: '127.0.0.1', PrivatePort: 80, PublicPort: 28080, Type: 'tcp' },
          { IP: '127.0.0.1', PrivatePort: 8090, PublicPort: 28090, Type: 'tcp' },
        ]),
        // Containers inside host-a's namespace publish nothing themselves.
        c('nginx', []),
      ],
      '10.213.77.0/24',
    );
    expect(env).toEqual({
      LAB_CONSUL_HTTP_PORT: '28500',
      LAB_CONSUL_DNS_PORT: '28600',
      LAB_NGINX_PORT: '28080',
      LAB_VIEW_PORT: '28090',
      LAB_SUBNET_PREFIX: '10.213.77',
    });
  });
  it('leaves out what it cannot read', () => {
    expect(labEnvFromContainers([], '10.0.0.0/16')).toEqual({});
  });
});

describe('published ports and endpoints', () => {
  const host = c('host-a', [
    { IP: '127.0.0.1', PrivatePort: 8500, PublicPort: 18500, Type: 'tcp' },
    { IP: '127.0.0.1', PrivatePort: 8600, PublicPort: 18600, Type: 'udp' },
    { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 18080, Type: 'tcp' },
  ]);

  it('finds the host port a container publishes', () => {
    expect(publishedPort(host, 8500)).toEqual({ host: '127.0.0.1', port: 18500 });
    expect(publishedPort(host, 8600)).toBeUndefined(); // only udp published here
    expect(publishedPort(host, 80)).toEqual({ host: '127.0.0.1', port: 18080 });
  });

  it('prefers the ports the running lab publishes over env and defaults', () => {
    const ep = labEndpoints([host], { CONSUL_HTTP_ADDR: '127.0.0.1:8500', LAB_NGINX_PORT: '9999' });
    expect(ep.consulUrl).toBe('http://127.0.0.1:18500');
    expect(ep.nginxUrl).toBe('http://127.0.0.1:18080');
  });

  it('falls back to LAB_* ports, then CONSUL_HTTP_ADDR, then the defaults', () => {
    expect(labEndpoints([], { LAB_CONSUL_HTTP_PORT: '28500', LAB_NGINX_PORT: '28080', CONSUL_HTTP_ADDR: 'x:1' })).toMatchObject({
      consulUrl: 'http://127.0.0.1:28500',
      nginxUrl: 'http://127.0.0.1:28080',
    });
    expect(labEndpoints([], { CONSUL_HTTP_ADDR: 'http://10.1.2.3:8501' }).consulUrl).toBe('http://10.1.2.3:8501');
    expect(labEndpoints([], {})).toMatchObject({
      consulUrl: 'http://127.0.0.1:8500',
      nginxUrl: 'http://127.0.0.1:8080',
      labViewUrl: 'http://127.0.0.1:8090',
    });
    expect(() => labEndpoints([], { LAB_NGINX_PORT: '99999' })).toThrow(/LAB_NGINX_PORT/);
  });
});
