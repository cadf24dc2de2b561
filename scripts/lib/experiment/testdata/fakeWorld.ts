/**
 * A simulated lab for the break commands' unit tests: Docker, Consul and Nginx as one small mutable world, so a
 * test runs lab:kill-api, lab:restore-api, lab:kill-agent or lab:partition end to end without Docker or Consul.
 * Docker actions change the world at once (a stopped instance leaves Consul and Nginx; a crashed agent or a cut-off
 * host takes its node's services out of the passing set), unless the test turns that off to see a timeout.
 * `worldLab` is the Lab a command opens on that world (../../lab/testdata/fakeLab.ts is an empty one). In testdata/
 * so the build leaves it out.
 */
import type Docker from 'dockerode';
import type { LabConsul, ServiceInstance } from '../../consul/labConsul';
import type { LabContainer } from '../../docker/labContainers';
import type { Lab } from '../../lab/openLab';
import type * as readNginx from '../../nginx/readNginx';

export interface FakeApi {
  /** api-a1 */
  name: string;
  node: string;
  port: number;
  running: boolean;
  passing: boolean;
}

export interface FakeWorld {
  project: string;
  apis: FakeApi[];
  /** Each host's agent running, and on the lab network. */
  agents: Record<string, boolean>;
  connected: Record<string, boolean>;
  /** consul-demo instances (any node). */
  demo: ServiceInstance[];
  nginx: boolean;
  /** false: the lab ignores actions (nothing is ever seen: the watch times out). */
  reacts: boolean;
  /** Every Docker action, in order ("stop api-a1", "kill agent host-b", "disconnect host-b"). */
  actions: string[];
}

const SUBNET = '10.213.50';
const hostIp = (node: string): string => `${SUBNET}.${node === 'host-a' ? 21 : 22}`;

export function newWorld(over: Partial<FakeWorld> = {}): FakeWorld {
  const api = (name: string, node: string, port: number): FakeApi => ({ name, node, port, running: true, passing: true });
  return {
    project: 'consul-lab',
    apis: [api('api-a1', 'host-a', 8081), api('api-a2', 'host-a', 8082), api('api-b1', 'host-b', 8081), api('api-b2', 'host-b', 8082)],
    agents: { 'host-a': true, 'host-b': true },
    connected: { 'host-a': true, 'host-b': true },
    demo: [],
    nginx: true,
    reacts: true,
    actions: [],
    ...over,
  };
}

/** A node's services pass while its agent runs and it is on the network. */
const nodeUp = (w: FakeWorld, node: string): boolean => w.agents[node]! && w.connected[node]!;

/** A running instance is registered (a stopped one deregistered itself); passing while it and its node are fine. */
function registrations(w: FakeWorld): ServiceInstance[] {
  return w.apis
    .filter((a) => a.running)
    .map((a) => ({
      id: `workshop-${a.name}`,
      service: 'workshop',
      address: hostIp(a.node),
      port: a.port,
      tags: [],
      meta: { name: a.name, host: a.node },
      node: a.node,
      status: a.passing && nodeUp(w, a.node) ? 'passing' : 'critical',
    }));
}

function container(id: string, service: string, state: string): LabContainer {
  return {
    id,
    shortId: id.slice(0, 12),
    name: `consul-lab-${service}-1`,
    service,
    number: 1,
    state,
    health: 'none',
    ports: [],
    labels: {},
  } as LabContainer;
}

function containers(w: FakeWorld): LabContainer[] {
  return [
    ...Object.keys(w.agents).flatMap((h) => [
      container(`owner-${h}`, h, 'running'),
      container(`agent-${h}`, `${h}-agent`, w.agents[h] ? 'running' : 'exited'),
    ]),
    ...(w.nginx ? [container('nginx', 'nginx', 'running')] : []),
    ...w.apis.map((a) => container(`c-${a.name}`, `workshop-${a.name}`, a.running ? 'running' : 'exited')),
  ];
}

function fakeDocker(w: FakeWorld): Docker {
  const api = (id: string): FakeApi | undefined => w.apis.find((a) => `c-${a.name}` === id);
  const setApi = (id: string, running: boolean, verb: string): void => {
    const a = api(id)!;
    w.actions.push(`${verb} ${a.name}`);
    if (!w.reacts) return;
    a.running = running;
    a.passing = running;
  };
  const setAgent = (id: string, running: boolean, verb: string): void => {
    const host = id.replace('agent-', '');
    w.actions.push(`${verb} agent ${host}`);
    if (w.reacts) w.agents[host] = running;
  };
  const getContainer = (id: string): unknown => ({
    inspect: async () => {
      const a = api(id);
      if (a)
        return {
          Config: { Hostname: a.node, Env: [`WORKSHOP_NAME=${a.name}`] },
          State: { Running: a.running, ExitCode: a.running ? 0 : 137, Health: { Status: a.running ? 'healthy' : 'unhealthy' } },
        };
      if (id.startsWith('agent-')) return { State: { Running: w.agents[id.replace('agent-', '')], ExitCode: 137 } };
      const host = id.replace('owner-', '');
      const on = w.connected[host] ? { [`${w.project}_lab`]: { NetworkID: 'net1', IPAddress: hostIp(host), Aliases: [host] } } : {};
      return { State: { Running: true }, NetworkSettings: { Networks: on } };
    },
    stop: async () => setApi(id, false, 'stop'),
    kill: async () => (api(id) ? setApi(id, false, 'kill') : setAgent(id, false, 'kill')),
    start: async () => (api(id) ? setApi(id, true, 'start') : setAgent(id, true, 'start')),
    exec: async () => Promise.reject(new Error('no exec in a fake lab')),
  });
  const link = (connected: boolean) => async (o: { Container: string }) => {
    const host = o.Container.replace('owner-', '');
    w.actions.push(`${connected ? 'connect' : 'disconnect'} ${host}`);
    if (w.reacts) w.connected[host] = connected;
  };
  return {
    getContainer,
    listNetworks: async () => [
      {
        Id: 'net1',
        Name: `${w.project}_lab`,
        Labels: { 'com.docker.compose.project': w.project, 'com.docker.compose.network': 'lab' },
        IPAM: { Config: [{ Subnet: `${SUBNET}.0/24` }] },
      },
    ],
    getNetwork: () => ({ disconnect: link(false), connect: link(true) }),
  } as unknown as Docker;
}

function fakeConsul(w: FakeWorld): LabConsul {
  return {
    instances: async (service: string, o: { passingOnly?: boolean } = {}) => {
      const all = service === 'workshop' ? registrations(w) : service === 'consul-demo' ? w.demo : [];
      return all.filter((i) => !o.passingOnly || i.status === 'passing');
    },
  } as unknown as LabConsul;
}

/** Node checks as /v1/health/node answers them: serfHealth, critical while the agent is dead or cut off. */
export function fakeNodeChecks(w: FakeWorld) {
  return async (node: string) => [{ checkId: 'serfHealth', status: nodeUp(w, node) ? 'passing' : 'critical', serviceId: '' }];
}

/**
 * What Nginx shows: the passing instances, on its page (tile ids) and in its upstream. (A test puts these behind
 * ../nginx/readNginx with jest.spyOn; this file is built with the scripts, where jest does not exist.)
 */
export function fakeNginx(w: FakeWorld): { page: () => Promise<readNginx.PageView>; upstream: () => Promise<string[]> } {
  const passing = (): FakeApi[] => w.apis.filter((a) => a.running && a.passing && nodeUp(w, a.node));
  return {
    page: async () => ({ status: 200, instances: passing().map((a) => `workshop-${a.name}`) }),
    upstream: async () => passing().map((a) => `${hostIp(a.node)}:${a.port}`),
  };
}

/** The lab as openLab hands it to a command. */
export function worldLab(w: FakeWorld): Lab {
  const lab: Lab = {
    docker: fakeDocker(w),
    project: w.project,
    containers: containers(w),
    endpoints: {
      consul: { host: '127.0.0.1', port: 1, secure: false } as unknown as Lab['endpoints']['consul'],
      consulUrl: 'http://127.0.0.1:1',
      nginxUrl: 'http://127.0.0.1:2',
      labViewUrl: 'http://127.0.0.1:3',
    },
    consul: fakeConsul(w),
    refresh: async () => (lab.containers = containers(w)),
    close: () => undefined,
  };
  return lab;
}
