import type Docker from 'dockerode';
import { median } from './stats';
import type { LabContainer } from '../docker/labContainers';
import { sleep } from '../../../services/shared/async';

/**
 * Resident memory of a container = the cgroup's memory usage minus its inactive page cache, as `docker stats`
 * computes it: cgroup v1 `memory.usage_in_bytes - total_inactive_file` (this machine), cgroup v2
 * `memory.current - inactive_file`. Page cache a container only read once (binaries, files) is left out;
 * what remains is what the container actually holds.
 */
export interface MemoryStats {
  usage?: number;
  stats?: Record<string, number | undefined>;
}

export function residentBytes(m: MemoryStats): number {
  const usage = m.usage ?? 0;
  const inactive = m.stats?.total_inactive_file ?? m.stats?.inactive_file ?? 0;
  return Math.max(0, usage - inactive);
}

export interface ContainerMemory {
  name: string;
  service: string;
  mib: number;
}

export interface LabMemory {
  containers: ContainerMemory[];
  totalMiB: number;
  method: string;
}

const MIB = 1024 * 1024;

/** One reading per running container (one-shot stats: no 1 s CPU priming), `samples` times; the median of each. */
export async function labMemory(docker: Docker, containers: LabContainer[], samples = 3, gapMs = 1000): Promise<LabMemory> {
  const running = containers.filter((c) => c.state === 'running');
  const readings = new Map<string, number[]>();
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(gapMs);
    await Promise.all(
      running.map(async (c) => {
        // one-shot (API >= 1.41) is a query flag the typings don't list.
        const st = (await docker.getContainer(c.id).stats({ stream: false, 'one-shot': true } as { stream: false })) as {
          memory_stats?: MemoryStats;
        };
        const list = readings.get(c.id) ?? [];
        list.push(residentBytes(st.memory_stats ?? {}));
        readings.set(c.id, list);
      }),
    );
  }
  const out = running.map((c) => ({ name: c.name, service: c.service, mib: median(readings.get(c.id) ?? [0]) / MIB }));
  return {
    containers: out,
    totalMiB: out.reduce((s, c) => s + c.mib, 0),
    method: 'docker stats API (one-shot): memory_stats.usage - total_inactive_file (cgroup v1) / inactive_file (v2), median of samples',
  };
}
