import { readPage, readUpstream } from '../nginx/readNginx';
import { WORKSHOP_SERVICE_NAME } from '../../../services/workshop-api/names';
import { findRunning } from '../docker/labContainers';
import { NGINX_SERVICE } from '../docker/labServices';
import { pollUntil } from '../../../services/shared/poll';
import type { BenchLab } from './benchLab';

export interface ServingView {
  passing: number;
  upstream: number;
  page: number;
}

/** How many workshop-api instances Consul passes, Nginx routes /api/ to, and the page shows. */
export async function servingView(lab: BenchLab): Promise<ServingView> {
  const nginx = findRunning(await lab.containers(), NGINX_SERVICE);
  if (!nginx) throw new Error('the nginx container is not running');
  const [instances, upstream, page] = await Promise.all([
    lab.consul.instances(WORKSHOP_SERVICE_NAME),
    readUpstream(lab.docker, nginx.id),
    readPage(lab.nginxUrl),
  ]);
  return { passing: instances.filter((i) => i.status === 'passing').length, upstream: upstream.length, page: page.instances.length };
}

export function isServing(v: ServingView, expected: number): boolean {
  return v.passing === expected && v.upstream === expected && v.page === expected;
}

/** Wait until all `expected` instances are passing in Consul, in Nginx's upstream and on its page. */
export async function waitServing(lab: BenchLab, expected: number, timeoutMs: number, intervalMs = 100): Promise<void> {
  await pollUntil(async () => (isServing(await servingView(lab), expected) ? true : undefined), {
    timeoutMs,
    intervalMs,
    what: `${expected} workshop-api instances passing in Consul and in Nginx (project ${lab.where.project})`,
  });
}
