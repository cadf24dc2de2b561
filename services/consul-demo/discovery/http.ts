import type { ConsulClient } from '../../shared/consul/client';
import type { HealthServiceEntry } from '../../shared/consul/health';
import { isVersion } from '../protocol';
import { CONSUL_DEMO_META, CONSUL_DEMO_SERVICE_NAME } from '../names';
import { Discovery, Instance } from './types';

/** A /v1/health/service entry as this module reads it: every field may be missing, so nothing is trusted blindly. */
export type HealthEntry = { [K in 'Node' | 'Service']?: Partial<HealthServiceEntry[K]> };

/**
 * Instances from a health API answer. The protocol comes from the tag (v1/v2), Meta.version as a
 * fallback; an entry with neither can't be talked to and is skipped. An empty service Address means
 * "the node's address", as Consul's own DNS interface treats it.
 */
export function instancesFromHealth(entries: HealthEntry[]): Instance[] {
  const out: Instance[] = [];
  for (const e of entries) {
    const s = e.Service;
    if (!s || !s.Port) continue;
    const metaVersion = s.Meta?.[CONSUL_DEMO_META.version];
    const protocol = (s.Tags ?? []).find(isVersion) ?? (isVersion(metaVersion) ? metaVersion : undefined);
    const address = s.Address || e.Node?.Address;
    if (!protocol || !address) continue;
    out.push({ serviceId: s.ID ?? null, address, port: s.Port, protocol });
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
    let entries: HealthEntry[];
    try {
      entries = (await this.consul.health.service(opts)) as HealthEntry[];
    } catch (err) {
      throw new Error(`Consul HTTP API query failed: ${(err as Error).message}`, { cause: err });
    }
    return instancesFromHealth(entries);
  }
}
