import type { LabContainer } from './labContainers';
import { PROJECT_LABEL } from './labServices';

/** A container is ready when it runs and its healthcheck (if it has one) says healthy. */
export function isReady(c: Pick<LabContainer, 'state' | 'health'>): boolean {
  return c.state === 'running' && (c.health === 'healthy' || c.health === 'none');
}

export function describeState(c: Pick<LabContainer, 'state' | 'health'>): string {
  if (c.state !== 'running') return c.state;
  return c.health === 'none' ? 'running' : c.health;
}

/** Short name for progress lines: the container name without the project prefix (workshop-api-2). */
export function shortName(c: Pick<LabContainer, 'name' | 'labels'>): string {
  const project = c.labels[PROJECT_LABEL];
  return project && c.name.startsWith(`${project}-`) ? c.name.slice(project.length + 1) : c.name;
}

/**
 * Lines for the containers whose state changed since the last look ("nginx  healthy  (7/9 ready)").
 * `seen` maps container id → last described state and is updated in place.
 */
export function stateChanges(seen: Map<string, string>, containers: LabContainer[]): string[] {
  const ready = containers.filter(isReady).length;
  const width = Math.max(0, ...containers.map((c) => shortName(c).length));
  const lines: string[] = [];
  for (const c of containers) {
    const now = describeState(c);
    if (seen.get(c.id) === now) continue;
    seen.set(c.id, now);
    lines.push(`${shortName(c).padEnd(width)}  ${now.padEnd(9)}  (${ready}/${containers.length} ready)`);
  }
  return lines;
}
