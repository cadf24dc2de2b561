import { parsePort } from '../../../services/shared/consul/address';
import { UsageError } from '../../../services/shared/errors';
import { DEFAULT_PROJECT } from '../docker/labContainers';

/**
 * The two configurations the benchmark compares, as the LAB_* values docker-compose.yml reads:
 * - ours: the lab's defaults (1 s check, Nginx reloaded on each render, address+port from one SRV answer);
 * - baseline: the original workshop's settings (10 s check, Nginx restarted on each render, the SRV port
 *   plus a separate A lookup for the address).
 */
export interface LabSettings {
  name: 'ours' | 'baseline';
  env: Record<string, string>;
  summary: string;
}

export const OURS: LabSettings = {
  name: 'ours',
  env: { LAB_WORKSHOP_CHECK_INTERVAL: '1s', LAB_NGINX_APPLY: 'reload', LAB_DEMO_DNS_LOOKUP: 'srv' },
  summary: 'check every 1s, Nginx reloaded, SRV address+port',
};

export const BASELINE: LabSettings = {
  name: 'baseline',
  env: { LAB_WORKSHOP_CHECK_INTERVAL: '10s', LAB_NGINX_APPLY: 'restart', LAB_DEMO_DNS_LOOKUP: 'srv+a' },
  summary: 'check every 10s, Nginx restarted, SRV port + separate A lookup',
};

/**
 * The demo client's request interval during the benchmark (both configurations): 5 requests/s instead of the
 * lab's 1/s, so 5 minutes give 1500 requests and a 99.9 % first-try rate can be told from 99.7 %.
 */
export const BENCH_DEMO_INTERVAL = '200ms';

/** Where the bench's own lab runs: never the students' lab (consul-lab, 8500/8600/8080, 10.213.50.0/24). */
export interface BenchWhere {
  project: string;
  consulHttpPort: number;
  consulDnsPort: number;
  nginxPort: number;
  /** The lab view's host port. */
  labViewPort: number;
  subnetPrefix: string;
}

export const DEFAULT_WHERE: BenchWhere = {
  project: 'consul-lab-bench',
  consulHttpPort: 19500,
  consulDnsPort: 19600,
  nginxPort: 19080,
  labViewPort: 19090,
  subnetPrefix: '10.213.77',
};

export function parseBenchProject(v: string): string {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(v))
    throw new UsageError(`"${v}" is not a Compose project name (lowercase letters, digits, "-" and "_")`);
  // The bench ends with `down -v`: never point it at the lab a student (or the e2e test) runs.
  if (v === DEFAULT_PROJECT)
    throw new UsageError(
      `"${DEFAULT_PROJECT}" is the students' lab (and the e2e test's); the bench deletes its project's volumes, pick another name`,
    );
  return v;
}

export function parseSubnetPrefix(v: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v.trim());
  if (!m || m.slice(1).some((x) => Number(x) > 255))
    throw new UsageError(`expected the first three numbers of a /24, like 10.213.77, got "${v}"`);
  return m.slice(1).map(Number).join('.');
}

export function parseBenchPort(v: string): number {
  return parsePort(v, 'port');
}

/** The environment Compose interpolates docker-compose.yml with (wins over .env.offline, as in Compose). */
export function composeEnv(where: BenchWhere, settings: LabSettings): Record<string, string> {
  return {
    LAB_CONSUL_HTTP_PORT: String(where.consulHttpPort),
    LAB_CONSUL_DNS_PORT: String(where.consulDnsPort),
    LAB_NGINX_PORT: String(where.nginxPort),
    LAB_VIEW_PORT: String(where.labViewPort),
    LAB_SUBNET_PREFIX: where.subnetPrefix,
    LAB_DEMO_INTERVAL: BENCH_DEMO_INTERVAL,
    ...settings.env,
  };
}

/** How much the bench measures: --quick for CI's smoke run, the full run for the numbers. */
export interface BenchPlan {
  trials: number;
  /** Demo client traffic per window (one window with 1 server, one with 2). */
  trafficMs: number;
  /** /api/ requests per second during the stop trials. */
  apiRate: number;
}

export const QUICK_PLAN: BenchPlan = { trials: 3, trafficMs: 60_000, apiRate: 25 };
export const FULL_PLAN: BenchPlan = { trials: 10, trafficMs: 300_000, apiRate: 25 };
