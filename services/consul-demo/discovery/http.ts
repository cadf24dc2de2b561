import type { ConsulClient } from '../../shared/consul/client';
import { readAs } from '../../shared/consul/http';
import { reachableHealthEntriesSchema } from '../../shared/consul/schemas';
import { isVersion } from '../protocol';
import { CONSUL_DEMO_META, CONSUL_DEMO_SERVICE_NAME } from '../names';
import { Discovery, Instance } from './types';

const WHAT = `GET /v1/health/service/${CONSUL_DEMO_SERVICE_NAME}`;

/**
 * Instances from a health API answer (as Consul sent it: nothing is trusted, the gateway's reachable-entry schema
 * reads it; not a list is a ConsulError). The protocol comes from the tag (v1/v2), Meta.version as a fallback; an
 * entry with neither can't be talked to and is skipped, and so is one without a port 1-65535 or a host to
 * connect to. An empty service Address means "the node's address", as Consul's own DNS interface treats it.
 */
export function instancesFromHealth(answer: unknown): Instance[] {
  const out: Instance[] = [];
  for (const e of readAs(WHAT, answer, reachableHealthEntriesSchema)) {
    const s = e.Service;
    if (s.Port === undefined || s.Address === undefined) continue;
    const metaVersion = s.Meta[CONSUL_DEMO_META.version];
    const protocol = s.Tags.find(isVersion) ?? (isVersion(metaVersion) ? metaVersion : undefined);
    const address = s.Address || e.Node.Address;
    if (!protocol || !address) continue;
    out.push({ serviceId: s.ID || null, address, port: s.Port, protocol });
  }
  return out;
}

/** Passing instances of consul-demo through the HTTP API (the `consul` npm client). */
export class HttpDiscovery implements Discovery {
  readonly method = 'http' as const;

  constructor(
    private readonly consul: ConsulClient,
    private readonly timeoutMs: number,
  ) {}

  async discover(): Promise<Instance[]> {
    // passing: only instances whose every check passes, like DNS. `timeout` is a consul-client request
    // option its typings omit.
    const opts: { service: string; passing: boolean; timeout: number } = {
      service: CONSUL_DEMO_SERVICE_NAME,
      passing: true,
      timeout: this.timeoutMs,
    };
    try {
      // An answer that is not a list fails like an unreachable Consul: this round cannot know the instances.
      return instancesFromHealth(await this.consul.health.service(opts));
    } catch (err) {
      throw new Error(`Consul HTTP API query failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
