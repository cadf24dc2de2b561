import { parseDurationRange } from '../../../services/shared/duration';
import { UsageError } from '../../../services/shared/errors';

export const MAX_DEMO_SERVERS = 10;
/** consul-demo's default --restart-every. */
export const DEFAULT_RESTART_RANGE: [number, number] = [5000, 10000];
/**
 * How long one restart keeps a server out of Consul (deregister, drain 500 ms, close, listen, register):
 * under a second here; 1 s is the safety margin used below.
 */
export const RESTART_WINDOW_MS = 1000;

/** `[N]` → the replica count to scale to: default one more than now; 1..MAX. */
export function parseScaleTarget(arg: string | undefined, current: number): number {
  if (arg === undefined) return Math.min(current + 1, MAX_DEMO_SERVERS);
  const n = Number(arg);
  if (!/^\d+$/.test(arg.trim()) || !Number.isInteger(n) || n < 1 || n > MAX_DEMO_SERVERS) {
    throw new UsageError(`N must be a whole number of demo servers from 1 to ${MAX_DEMO_SERVERS}, got "${arg}"`);
  }
  return n;
}

/**
 * The restart range a demo-server container runs with: its --restart-every flag, else DEMO_RESTART_EVERY,
 * else consul-demo's default. Read from the running container so the stagger matches what it really does.
 */
export function restartRangeOf(cmd: string[], env: string[]): [number, number] {
  const i = cmd.findIndex((a) => a === '--restart-every' || a.startsWith('--restart-every='));
  const fromCmd = i === -1 ? undefined : cmd[i]!.includes('=') ? cmd[i]!.split('=')[1] : cmd[i + 1];
  const fromEnv = env.find((e) => e.startsWith('DEMO_RESTART_EVERY='))?.split('=')[1];
  const v = fromCmd ?? fromEnv;
  if (!v) return DEFAULT_RESTART_RANGE;
  try {
    return parseDurationRange(v, 'restart-every');
  } catch {
    return DEFAULT_RESTART_RANGE;
  }
}

/**
 * The pause between starting two NEW replicas. Each server restarts after a fresh random delay in
 * [min, max], so over time the replicas' restarts drift apart by themselves; what can line them up is a
 * shared start: two replicas started together draw their first restart from the same window. Starting the
 * next one (max - min) + one restart window later puts its first restart after the previous one's first
 * restart can possibly happen (prev ≤ t0 + max < t0 + gap + min). 0 when servers never restart.
 */
export function staggerGapMs([min, max]: [number, number]): number {
  if (max === 0) return 0;
  return max - min + RESTART_WINDOW_MS;
}
