import { sleep } from '../../../services/shared/async';
import { pollUntil } from '../../../services/shared/poll';
import { findRunning } from '../docker/labContainers';
import { NGINX_SERVICE, isWorkshopApiService } from '../docker/labServices';
import type { BenchLab } from './benchLab';
import { appliedRenders, countApplied } from './breakdown';
import { timestampedLogs } from './breakdownProbe';
import { isServing, servingView, waitServing } from './serving';

/** How many renders Nginx applied (reloads; restarts for the baseline) during a burst of changes. */
export interface ReloadBurst {
  what: 'scaleDown3' | 'restartAll';
  instances: number;
  reloads: number;
  /** When each of them was applied, ms after the first docker command, and with how many instances. */
  applied: Array<{ atMs: number; instances: number }>;
  /** From the first docker command until Consul, the upstream and the page all agree again. */
  settledMs: number;
}

/**
 * Quiet time after the burst before counting: longer than consul-template's `wait { max }` and a check
 * interval, so a late render of the same burst is counted too.
 */
const SETTLE_MS = 3000;

async function appliedSince(lab: BenchLab, from: number): Promise<Pick<ReloadBurst, 'reloads' | 'applied'>> {
  const nginx = findRunning(await lab.containers(), NGINX_SERVICE);
  if (!nginx) throw new Error('the nginx container is not running');
  const lines = await timestampedLogs(lab.docker, nginx.id, from);
  const to = Date.now();
  return {
    reloads: countApplied(lines, from, to),
    applied: appliedRenders(lines, from, to).map((r) => ({ atMs: r.at - from, instances: r.instances })),
  };
}

async function waitView(lab: BenchLab, expected: number, what: string): Promise<void> {
  await pollUntil(
    async () => (isServing(await servingView(lab).catch(() => ({ passing: -1, upstream: -1, page: -1 })), expected) ? true : undefined),
    { timeoutMs: 90_000, intervalMs: 100, what },
  );
}

/**
 * The two bursts of issue #14: a scale-down of 3 of the 4 instances at once (docker stop of 3 together), and a
 * restart of all 4 together (as `docker compose restart workshop-api-*` does). Each counted from its first
 * docker command until Consul and Nginx agree again plus SETTLE_MS; the lab is whole again afterwards.
 */
export async function runReloadBursts(lab: BenchLab, expected: number): Promise<ReloadBurst[]> {
  const out: ReloadBurst[] = [];
  await waitServing(lab, expected, 120_000);
  const apis = (await lab.containers()).filter((c) => isWorkshopApiService(c.service) && c.state === 'running');
  const three = apis.slice(0, 3);

  let t0 = Date.now();
  await Promise.all(three.map((c) => lab.docker.getContainer(c.id).stop({ t: 10 })));
  await waitView(lab, expected - three.length, `${expected - three.length} instance(s) left after stopping 3`);
  let settledMs = Date.now() - t0;
  await sleep(SETTLE_MS);
  out.push({ what: 'scaleDown3', instances: three.length, ...(await appliedSince(lab, t0)), settledMs });
  await Promise.all(three.map((c) => lab.docker.getContainer(c.id).start()));
  await waitServing(lab, expected, 120_000);
  await sleep(SETTLE_MS);

  t0 = Date.now();
  await Promise.all(apis.map((c) => lab.docker.getContainer(c.id).restart({ t: 10 })));
  await waitServing(lab, expected, 120_000);
  settledMs = Date.now() - t0;
  await sleep(SETTLE_MS);
  out.push({ what: 'restartAll', instances: apis.length, ...(await appliedSince(lab, t0)), settledMs });
  return out;
}
