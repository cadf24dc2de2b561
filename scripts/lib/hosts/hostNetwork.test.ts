import type Docker from 'dockerode';
import { LAB_HOSTS } from '../docker/labServices';
import {
  connectHost,
  currentEndpoint,
  disconnectHost,
  endpointOn,
  findLabNetwork,
  healEndpoint,
  hostIp,
  pickLabNetwork,
} from './hostNetwork';

const hostB = LAB_HOSTS[1]!;
const labNet = {
  Id: 'net1',
  Name: 'hostlab_lab',
  Labels: { 'com.docker.compose.project': 'hostlab', 'com.docker.compose.network': 'lab' },
  IPAM: { Config: [{ Subnet: '10.213.61.0/24' }] },
};

describe('pickLabNetwork', () => {
  it("finds the project's lab network by Compose's labels", () => {
    const other = {
      ...labNet,
      Id: 'net0',
      Name: 'x',
      Labels: { 'com.docker.compose.project': 'hostlab', 'com.docker.compose.network': 'default' },
    };
    expect(pickLabNetwork([other, labNet], 'hostlab')).toEqual({ id: 'net1', name: 'hostlab_lab', subnet: '10.213.61.0/24' });
  });
  it('falls back to the name <project>_lab, and to nothing', () => {
    expect(pickLabNetwork([{ Id: 'n', Name: 'p_lab', Labels: {} }], 'p')).toEqual({ id: 'n', name: 'p_lab', subnet: undefined });
    expect(pickLabNetwork([labNet], 'other')).toBeUndefined();
  });
});

describe('endpointOn', () => {
  const net = { id: 'net1', name: 'hostlab_lab' };
  it("reads the host's IP and aliases", () => {
    const networks = {
      hostlab_lab: {
        NetworkID: 'net1',
        IPAddress: '10.213.61.22',
        IPAMConfig: { IPv4Address: '10.213.61.22' },
        Aliases: ['hostlab-host-b-1', 'host-b'],
      },
    };
    expect(endpointOn(networks, net)).toEqual({ ip: '10.213.61.22', aliases: ['hostlab-host-b-1', 'host-b'] });
    expect(endpointOn({ renamed: { NetworkID: 'net1', IPAddress: '10.0.0.2' } }, net)).toEqual({ ip: '10.0.0.2', aliases: [] });
  });
  it('is undefined when the container is not on the network (partitioned)', () => {
    expect(endpointOn({}, net)).toBeUndefined();
    expect(endpointOn(undefined, net)).toBeUndefined();
    expect(endpointOn({ bridge: { NetworkID: 'b' } }, net)).toBeUndefined();
  });
});

describe('hostIp / healEndpoint', () => {
  it('is the subnet prefix + the host suffix', () => {
    expect(hostIp('10.213.61.0/24', 22)).toBe('10.213.61.22');
    expect(healEndpoint(hostB, { id: 'n', name: 'p_lab', subnet: '10.213.50.0/24' })).toEqual({ ip: '10.213.50.22', aliases: ['host-b'] });
  });
  it('refuses what is not a /24', () => {
    expect(() => hostIp(undefined, 22)).toThrow('subnet is unknown');
    expect(() => hostIp('10.0.0.0/16', 22)).toThrow('"10.0.0.0/16", not a /24');
  });
});

describe('the Docker calls', () => {
  const calls: Array<[string, unknown]> = [];
  const docker = {
    listNetworks: async (opts: unknown) => (calls.push(['list', opts]), [labNet]),
    getNetwork: (id: string) => ({
      disconnect: async (o: unknown) => void calls.push([`disconnect ${id}`, o]),
      connect: async (o: unknown) => void calls.push([`connect ${id}`, o]),
      inspect: async () => labNet,
    }),
    getContainer: () => ({ inspect: async () => ({ NetworkSettings: { Networks: {} } }) }),
  } as unknown as Docker;
  const net = { id: 'net1', name: 'hostlab_lab', subnet: '10.213.61.0/24' };

  it('finds the network, disconnects with Force and connects with the fixed IP and alias', async () => {
    expect(await findLabNetwork(docker, 'hostlab')).toEqual(net);
    await disconnectHost(docker, 'c1', net);
    await connectHost(docker, 'c1', net, { ip: '10.213.61.22', aliases: ['host-b'] });
    expect(calls.slice(1)).toEqual([
      ['disconnect net1', { Container: 'c1', Force: true }],
      ['connect net1', { Container: 'c1', EndpointConfig: { IPAMConfig: { IPv4Address: '10.213.61.22' }, Aliases: ['host-b'] } }],
    ]);
    expect(await currentEndpoint(docker, 'c1', net)).toBeUndefined();
  });

  it('says how to start the lab when it has no network', async () => {
    const none = {
      listNetworks: async () => [],
      getNetwork: () => ({ inspect: async () => Promise.reject(new Error('no such network')) }),
    };
    await expect(findLabNetwork(none as unknown as Docker, 'gone')).rejects.toThrow('lab "gone" has no network "gone_lab"');
  });
});
