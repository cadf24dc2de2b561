import type Docker from 'dockerode';
import { readContainerLogs } from '../docker/engine';
import type { LabContainer } from '../docker/labContainers';
import { ClientRequest, parseClientLog } from './clientLog';

/**
 * The demo client's requests logged at or after `sinceMs` (epoch ms), read with `docker logs`
 * through dockerode. Docker's `since` has one-second resolution; the exact cut is made on each line's ts.
 */
export async function readClientRequests(
  docker: Docker,
  container: LabContainer,
  sinceMs: number,
  untilMs?: number,
): Promise<ClientRequest[]> {
  const { stdout } = await readContainerLogs(docker, container.id, { stdout: true, stderr: false, since: Math.floor(sinceMs / 1000) });
  return parseClientLog(stdout).filter((r) => r.ts >= sinceMs && (untilMs === undefined || r.ts <= untilMs));
}
