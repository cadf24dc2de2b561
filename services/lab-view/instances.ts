/* GET /v1/health/service/<name> → the observations a ServiceHistory takes (through the gateway's schema); entries without an ID are skipped. */
import { type ConsulHealthEntry, healthEntriesSchema, listOrEmpty } from '../shared/consul/schemas';
import { CONSUL_DEMO_META } from '../shared/names';
import { worstStatus } from './cluster';
import type { Observation } from './history';

/** The version tag: ServiceMeta.version (consul-demo's CONSUL_DEMO_META), else a `v…` tag, else null. */
function versionOf(service: ConsulHealthEntry['Service']): string | null {
  const version = service.Meta[CONSUL_DEMO_META.version];
  if (version) return version;
  return service.Tags.find((t) => /^v\d/.test(t)) ?? null;
}

export function toObservations(body: unknown): Observation[] {
  return listOrEmpty(healthEntriesSchema, body)
    .filter((e) => e.Service.ID !== '')
    .map((e) => ({
      id: e.Service.ID,
      // Every check of the entry counts, the node's serfHealth too: that is what Consul's `?passing` filters on.
      status: worstStatus(e.Checks.map((c) => c.Status)),
      info: {
        node: e.Node.Node,
        address: e.Service.Address || e.Node.Address,
        port: e.Service.Port,
        version: versionOf(e.Service),
      },
    }));
}
