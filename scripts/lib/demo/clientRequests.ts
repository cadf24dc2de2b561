import type Docker from 'dockerode';
import { demuxDockerLogs } from '../docker/engine';
import { ClientRequest, parseClientLog } from './clientLog';
import type { LabContainer } from '../docker/labContainers';

export const DEMO_CLIENT_SERVICE = 'demo-client';
export const DEMO_SERVER_SERVICE = 'demo-server';

/**
 * The demo client's requests logged at or after `sinceMs` (epoch ms), read with `docker logs`
 * through dockerode. Docker's `since` has one-second resolution; the exact cut is made on each line's ts.
 */
export async function readClientRequests(docker: Docker, container: LabContainer, sinceMs: number, untilMs?: number): Promise<ClientRequest[]> {
  const c = docker.getContainer(container.id);
  const info = await c.inspect();
  const buf = await c.logs({ stdout: true, stderr: false, follow: false, since: Math.floor(sinceMs / 1000) });
  const { stdout } = demuxDockerLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)), info.Config.Tty);
  return parseClientLog(stdout).filter((r) => r.ts >= sinceMs && (untilMs === undefined || r.ts <= untilMs));
}

/** The server containers' IPs on the lab network → container name, to name the instances client traffic reached. */
export async function containerIps(docker: Docker, containers: LabContainer[]): Promise<Map<string, LabContainer>> {
  const map = new Map<string, LabContainer>();
  await Promise.all(
    containers
      .filter((c) => c.state === 'running')
      .map(async (c) => {
        const info = await docker.getContainer(c.id).inspect();
        for (const net of Object.values(info.NetworkSettings.Networks ?? {})) if (net.IPAddress) map.set(net.IPAddress, c);
      }),
  );
  return map;
}
