/* GET /v1/health/service/<name> → the observations a ServiceHistory takes; malformed entries are skipped. */
import { CONSUL_DEMO_META } from '../shared/names';
import { worstStatus } from './cluster';
import type { Observation } from './history';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** The version tag: ServiceMeta.version (consul-demo's CONSUL_DEMO_META), else a `v…` tag, else null. */
function versionOf(service: Record<string, unknown>): string | null {
  const meta = obj(service.Meta);
  const version = meta[CONSUL_DEMO_META.version];
  if (typeof version === 'string' && version !== '') return version;
  const tags = Array.isArray(service.Tags) ? (service.Tags as unknown[]) : [];
  const tag = tags.find((t): t is string => typeof t === 'string' && /^v\d/.test(t));
  return tag ?? null;
}

export function toObservations(body: unknown): Observation[] {
  if (!Array.isArray(body)) return [];
  const out: Observation[] = [];
  for (const e of body as unknown[]) {
    const entry = obj(e);
    const service = obj(entry.Service);
    const node = obj(entry.Node);
    if (typeof service.ID !== 'string' || service.ID === '') continue;
    const checks = Array.isArray(entry.Checks) ? (entry.Checks as unknown[]) : [];
    out.push({
      id: service.ID,
      // Every check of the entry counts, the node's serfHealth too: that is what Consul's `?passing` filters on.
      status: worstStatus(checks.map((c) => obj(c).Status)),
      info: {
        node: str(node.Node),
        address: str(service.Address) || str(node.Address),
        port: typeof service.Port === 'number' ? service.Port : 0,
        version: versionOf(service),
      },
    });
  }
  return out;
}
