import { Instance, instanceKey } from './discovery/types';

export type SelectionMode = 'random' | 'round-robin';
export const SELECTION_MODES: readonly SelectionMode[] = ['random', 'round-robin'];

export interface Selector {
  /** One of `instances`, avoiding the keys in `avoid` when anything else is left; undefined for []. */
  pick(instances: Instance[], avoid?: ReadonlySet<string>): Instance | undefined;
}

function candidates(instances: Instance[], avoid?: ReadonlySet<string>): Instance[] {
  if (!avoid?.size) return instances;
  const rest = instances.filter((i) => !avoid.has(instanceKey(i)));
  return rest.length ? rest : instances;
}

export function randomSelector(random: () => number = Math.random): Selector {
  return {
    pick(instances, avoid) {
      const c = candidates(instances, avoid);
      return c.length ? c[Math.floor(random() * c.length)] : undefined;
    },
  };
}

/**
 * Round-robin over a list that changes under it (instances come and go with every restart):
 * sort by address:port so the order does not depend on the order of the answer (DNS shuffles it),
 * then take the next position. With a stable set every instance gets its turn.
 */
export function roundRobinSelector(): Selector {
  let next = 0;
  return {
    pick(instances, avoid) {
      const c = [...candidates(instances, avoid)].sort((a, b) => instanceKey(a).localeCompare(instanceKey(b)));
      if (!c.length) return undefined;
      const chosen = c[next % c.length];
      next = (next + 1) % 1_000_000;
      return chosen;
    },
  };
}

export function createSelector(mode: SelectionMode): Selector {
  return mode === 'random' ? randomSelector() : roundRobinSelector();
}
