import type Docker from 'dockerode';
import { ConsulHttpAddress, consulUrl, parseConsulHttpAddr, parsePort } from '../../../services/shared/consul/address';
import type { LabContainer } from './labContainers';
import { PUBLISHING_SERVICE } from './labServices';

/*
 * The host ports the running lab publishes (host-a's agent HTTP and DNS, nginx's web port; all published by host-a, which owns their network namespace), read once here for
 * the two things that need them: where to talk to the lab (labEndpoints) and the LAB_* settings to hand back to
 * Compose (labEnvFromContainers).
 */

export interface HostPort {
  host: string;
  port: number;
}

/** The host port a container publishes for `privatePort`/tcp, if any. */
export function publishedPort(container: LabContainer | undefined, privatePort: number): HostPort | undefined {
  const p = container?.ports.find((x) => x.PrivatePort === privatePort && x.Type === 'tcp' && x.PublicPort);
  if (!p) return undefined;
  // 0.0.0.0 / :: mean "all interfaces": talk to loopback.
  const ip = !p.IP || p.IP === '0.0.0.0' || p.IP === '::' ? '127.0.0.1' : p.IP;
  return { host: ip, port: p.PublicPort };
}

export interface LabPorts {
  consulHttp?: HostPort;
  consulDns?: HostPort;
  nginx?: HostPort;
  labView?: HostPort;
}

/** What host-a publishes for its agent, nginx and the lab view; `runningOnly` skips a host-a container that is not running. */
export function labPorts(containers: LabContainer[], runningOnly: boolean): LabPorts {
  const host = containers.find((c) => c.service === PUBLISHING_SERVICE && (!runningOnly || c.state === 'running'));
  return {
    consulHttp: publishedPort(host, 8500),
    consulDns: publishedPort(host, 8600),
    nginx: publishedPort(host, 80),
    labView: publishedPort(host, 8090),
  };
}

export interface LabEndpoints {
  consul: ConsulHttpAddress;
  /** http://127.0.0.1:8500 */
  consulUrl: string;
  /** http://127.0.0.1:8080 */
  nginxUrl: string;
  /** http://127.0.0.1:8090 */
  labViewUrl: string;
}

/**
 * Where the running lab answers on this machine. The ports the containers actually publish win:
 * they are the truth even when the lab was started with other LAB_* ports (or a .env file) than
 * this shell has, or when CONSUL_HTTP_ADDR is left over from running Consul by hand. Without a running
 * container to ask: LAB_CONSUL_HTTP_PORT / LAB_NGINX_PORT, then CONSUL_HTTP_ADDR, then the defaults.
 */
export function labEndpoints(containers: LabContainer[], env: NodeJS.ProcessEnv = process.env): LabEndpoints {
  const published = labPorts(containers, true);

  let consul: ConsulHttpAddress;
  if (published.consulHttp) consul = { ...published.consulHttp, secure: false };
  else if (env.LAB_CONSUL_HTTP_PORT)
    consul = { host: '127.0.0.1', port: parsePort(env.LAB_CONSUL_HTTP_PORT, 'LAB_CONSUL_HTTP_PORT'), secure: false };
  else consul = parseConsulHttpAddr(env.CONSUL_HTTP_ADDR || '127.0.0.1:8500');

  const nginxPort = published.nginx?.port ?? (env.LAB_NGINX_PORT ? parsePort(env.LAB_NGINX_PORT, 'LAB_NGINX_PORT') : 8080);
  const nginxHost = published.nginx?.host ?? '127.0.0.1';

  const viewPort = published.labView?.port ?? (env.LAB_VIEW_PORT ? parsePort(env.LAB_VIEW_PORT, 'LAB_VIEW_PORT') : 8090);
  const viewHost = published.labView?.host ?? '127.0.0.1';

  return {
    consul,
    consulUrl: consulUrl(consul),
    nginxUrl: `http://${nginxHost}:${nginxPort}`,
    labViewUrl: `http://${viewHost}:${viewPort}`,
  };
}

/** The URLs students open in a browser: "localhost" reads better than 127.0.0.1 and works the same. */
export function browserUrl(url: string): string {
  return url.replace('//127.0.0.1:', '//localhost:');
}

/**
 * The LAB_* settings a running lab was started with, read back from the engine: host ports from what
 * host-a publishes, the subnet prefix from the lab network. Passed to `docker compose` when a
 * command calls it again (scale), so Compose sees the same configuration even from a shell that doesn't
 * have those variables (or has other ones).
 */
export function labEnvFromContainers(containers: LabContainer[], subnet?: string): Record<string, string> {
  const env: Record<string, string> = {};
  const { consulHttp, consulDns, nginx, labView } = labPorts(containers, false);
  if (consulHttp) env.LAB_CONSUL_HTTP_PORT = String(consulHttp.port);
  if (consulDns) env.LAB_CONSUL_DNS_PORT = String(consulDns.port);
  if (nginx) env.LAB_NGINX_PORT = String(nginx.port);
  if (labView) env.LAB_VIEW_PORT = String(labView.port);
  const m = subnet ? /^(\d+\.\d+\.\d+)\.0\/24$/.exec(subnet) : null;
  if (m) env.LAB_SUBNET_PREFIX = m[1]!;
  return env;
}

/** The lab network's subnet ("10.213.50.0/24"), if the network exists. */
export async function labSubnet(docker: Docker, project: string): Promise<string | undefined> {
  try {
    const net = (await docker.getNetwork(`${project}_lab`).inspect()) as { IPAM?: { Config?: Array<{ Subnet?: string }> } };
    return net.IPAM?.Config?.[0]?.Subnet;
  } catch {
    return undefined;
  }
}

export async function runningLabEnv(docker: Docker, project: string, containers: LabContainer[]): Promise<Record<string, string>> {
  return labEnvFromContainers(containers, await labSubnet(docker, project));
}
