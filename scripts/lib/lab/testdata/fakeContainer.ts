// A LabContainer for unit tests of the commands that wait on containers: `<project>-<service>-1`, running and healthy
// unless told otherwise.
import type Docker from 'dockerode';
import type { LabContainer } from '../../docker/labContainers';
import { PROJECT_LABEL } from '../../docker/labServices';

export function fakeContainer(
  project: string,
  service: string,
  state = 'running',
  health: LabContainer['health'] = 'healthy',
  ports: Docker.Port[] = [],
): LabContainer {
  const labels = { [PROJECT_LABEL]: project };
  return { id: service, shortId: service, name: `${project}-${service}-1`, service, number: 1, state, health, ports, labels };
}
