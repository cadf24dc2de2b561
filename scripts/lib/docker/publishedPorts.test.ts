import type { LabContainer } from './labContainers';
import { labEnvFromContainers } from './publishedPorts';

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
        c('consul-agent', [
          { IP: '127.0.0.1', PrivatePort: 8500, PublicPort: 28500, Type: 'tcp' },
          { IP: '127.0.0.1', PrivatePort: 8600, PublicPort: 28600, Type: 'tcp' },
          { IP: '127.0.0.1', PrivatePort: 8600, PublicPort: 28600, Type: 'udp' },
        ]),
        c('nginx', [{ IP: '127.0.0.1', PrivatePort: 80, PublicPort: 28080, Type: 'tcp' }]),
      ],
      '10.213.77.0/24',
    );
    expect(env).toEqual({ LAB_CONSUL_HTTP_PORT: '28500', LAB_CONSUL_DNS_PORT: '28600', LAB_NGINX_PORT: '28080', LAB_SUBNET_PREFIX: '10.213.77' });
  });
  it('leaves out what it cannot read', () => {
    expect(labEnvFromContainers([], '10.0.0.0/16')).toEqual({});
  });
});
