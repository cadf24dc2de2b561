import type Docker from 'dockerode';
import { LabContainer, publishedPort } from './labContainers';

/**
 * The LAB_* settings a running lab was started with, read back from the engine: host ports from what
 * consul-agent and nginx publish, the subnet prefix from the lab network. Passed to `docker compose` when a
 * command calls it again (scale), so Compose sees the same configuration even from a shell that doesn't
 * have those variables (or has other ones).
 */
export function labEnvFromContainers(containers: LabContainer[], subnet?: string): Record<string, string> {
  const env: Record<string, string> = {};
  const agent = containers.find((c) => c.service === 'consul-agent');
  const nginx = containers.find((c) => c.service === 'nginx');
  const http = publishedPort(agent, 8500);
  const dns = publishedPort(agent, 8600);
  const web = publishedPort(nginx, 80);
  if (http) env.LAB_CONSUL_HTTP_PORT = String(http.port);
  if (dns) env.LAB_CONSUL_DNS_PORT = String(dns.port);
  if (web) env.LAB_NGINX_PORT = String(web.port);
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
