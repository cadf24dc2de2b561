import { promises as dns } from 'node:dns';
import type { SrvRecord } from 'node:dns';
import { isIPv4 } from 'node:net';
import { HostPort, formatHostPort } from '../../shared/consul/address';
import { VERSIONS, Version } from '../protocol';
import { CONSUL_DEMO_SERVICE_NAME } from '../names';
import { Discovery, Instance } from './types';

/** The tagged SRV name Consul answers for: `v1.consul-demo.service.consul`. */
export function srvName(version: Version, domain = 'consul'): string {
  return `${version}.${CONSUL_DEMO_SERVICE_NAME}.service.${domain}`;
}

/**
 * Consul names an SRV target after the service's own address when it has one:
 * `7f000001.addr.dc1.consul.` is 127.0.0.1 in hex. Decoding it takes the address from the very record
 * that gave the port, so address and port always belong to the same instance — the original demo
 * took the port from SRV and the IP from a separate A lookup, which mixes instances when there are two.
 * Returns undefined for any other target (e.g. `<node>.node.dc1.consul.` when the service has no address).
 */
export function decodeAddrTarget(target: string): string | undefined {
  const m = /^([0-9a-f]{8})\.addr\./i.exec(target);
  if (!m) return undefined;
  const n = parseInt(m[1]!, 16);
  const ip = [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
  return isIPv4(ip) ? ip : undefined;
}

/** The part of node's Resolver this module uses (a seam for unit tests). */
export interface SrvResolver {
  resolveSrv(name: string): Promise<SrvRecord[]>;
  resolve4(name: string): Promise<string[]>;
}

/** NXDOMAIN / no records: "no instance with that tag", not a failure of DNS itself. */
function isNoAnswer(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOTFOUND' || code === 'ENODATA';
}

/**
 * Instances from one SRV answer. The address comes from the target name when Consul encoded it there;
 * otherwise from an A lookup of the target on the same Consul DNS server (node's resolveSrv does not
 * expose the additional section where Consul also puts that A record).
 */
export async function instancesFromSrv(version: Version, records: SrvRecord[], resolver: SrvResolver): Promise<Instance[]> {
  const out: Instance[] = [];
  for (const r of records) {
    let address = decodeAddrTarget(r.name);
    if (!address) {
      const ips = await resolver.resolve4(r.name).catch((err: unknown) => {
        if (isNoAnswer(err)) return [] as string[];
        throw err;
      });
      address = ips[0];
    }
    if (address) out.push({ serviceId: null, address, port: r.port, protocol: version });
  }
  return out;
}

/**
 * Where an instance's address comes from:
 * - `srv` (default): the same SRV record that gave the port (see decodeAddrTarget).
 * - `srv+a`: the ORIGINAL demo's way, kept as a baseline for the benchmark (docs/benchmark.md): the port from
 *   the SRV answer, the address from a separate A query for the untagged service name. Consul answers that
 *   A query with every instance's address in random order and the first one is used, so with two servers on
 *   different addresses about half the picks pair one server's port with the other's address.
 */
export type DnsLookupMode = 'srv' | 'srv+a';
export const DNS_LOOKUP_MODES: readonly DnsLookupMode[] = ['srv', 'srv+a'];

/** The untagged name the original demo resolved for the address: `consul-demo.service.consul`. */
export function serviceAName(domain = 'consul'): string {
  return `${CONSUL_DEMO_SERVICE_NAME}.service.${domain}`;
}

/** `srv+a`: keep each SRV record's port and protocol, take the address from the first answer of one A query. */
async function withSeparateALookup(instances: Instance[], resolver: SrvResolver, domain: string): Promise<Instance[]> {
  if (instances.length === 0) return instances;
  const ips = await resolver.resolve4(serviceAName(domain)).catch((err: unknown) => {
    if (isNoAnswer(err)) return [] as string[];
    throw err;
  });
  const address = ips[0];
  // No A answer (the instance deregistered between the two queries): nothing usable, as in the original.
  return address ? instances.map((i) => ({ ...i, address })) : [];
}

/** Both tagged names, queried together; instances of either version. */
export async function discoverViaSrv(resolver: SrvResolver, domain = 'consul', lookup: DnsLookupMode = 'srv'): Promise<Instance[]> {
  const perVersion = await Promise.all(
    VERSIONS.map(async (v) => {
      try {
        return await instancesFromSrv(v, await resolver.resolveSrv(srvName(v, domain)), resolver);
      } catch (err) {
        if (isNoAnswer(err)) return [];
        throw err;
      }
    }),
  );
  const instances = perVersion.flat();
  return lookup === 'srv+a' ? withSeparateALookup(instances, resolver, domain) : instances;
}

/** DNS discovery against the Consul agent's DNS interface (CONSUL_DNS_ADDR), never the system resolver. */
export class DnsDiscovery implements Discovery {
  readonly method = 'dns' as const;
  private readonly resolver: dns.Resolver;
  private readonly server: string;

  constructor(
    server: HostPort,
    timeoutMs: number,
    private readonly lookup: DnsLookupMode = 'srv',
  ) {
    // One try with the caller's timeout: a slow answer is a failed request, and the client retries anyway.
    this.resolver = new dns.Resolver({ timeout: timeoutMs, tries: 1 });
    this.server = formatHostPort(server);
    this.resolver.setServers([this.server]);
  }

  async discover(): Promise<Instance[]> {
    try {
      return await discoverViaSrv(this.resolver, 'consul', this.lookup);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new Error(`DNS query to Consul at ${this.server} failed: ${e.code ?? e.message}`, { cause: err });
    }
  }

  close(): void {
    this.resolver.cancel();
  }
}
