import type Docker from 'dockerode';
import { createConsulClient } from '../../../services/shared/consul/client';
import { LabConsul } from '../consul/labConsul';
import { connectDocker } from '../docker/engine';
import { labEndpoints, LabEndpoints } from '../docker/publishedPorts';
import { LabContainer, requireLab, resolveProjectName } from '../docker/labContainers';

/** Everything a command needs to act on a running lab. */
export interface Lab {
  docker: Docker;
  project: string;
  containers: LabContainer[];
  endpoints: LabEndpoints;
  consul: LabConsul;
  /** Re-list the project's containers (state and health change while a command runs). */
  refresh(): Promise<LabContainer[]>;
  close(): void;
}

/**
 * Docker reachable → the project has a running lab → its published Consul/Nginx ports → a Consul client.
 * Each step fails with one line saying what to do.
 */
export async function openLab(projectFlag: string | undefined): Promise<Lab> {
  const project = resolveProjectName(projectFlag);
  const docker = await connectDocker();
  const containers = await requireLab(docker, project);
  const endpoints = labEndpoints(containers);
  const client = createConsulClient(endpoints.consul);
  const lab: Lab = {
    docker,
    project,
    containers,
    endpoints,
    consul: new LabConsul(client, endpoints.consulUrl),
    refresh: async () => {
      lab.containers = await requireLab(docker, project);
      return lab.containers;
    },
    // The consul client keeps HTTP connections alive; drop them so the command exits promptly.
    close: () => client.destroy(),
  };
  return lab;
}
