import type { Version } from '../protocol';

export type DiscoveryMethod = 'dns' | 'http';

/** One passing server instance, as a discovery method reported it. */
export interface Instance {
  /** Consul's service ID; null from DNS, whose answers do not carry it. */
  serviceId: string | null;
  address: string;
  port: number;
  /** From the instance's tag: which word it expects. */
  protocol: Version;
}

export interface Discovery {
  readonly method: DiscoveryMethod;
  /** All passing instances right now; [] when there are none. Throws when Consul can't be asked. */
  discover(): Promise<Instance[]>;
}

/** address:port identifies an instance across both methods (DNS has no service ID). */
export function instanceKey(i: Pick<Instance, 'address' | 'port'>): string {
  return `${i.address}:${i.port}`;
}
