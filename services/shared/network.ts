import os from 'node:os';

type Interfaces = ReturnType<typeof os.networkInterfaces>;

/**
 * The address a service should register in Consul when none is given: the machine's first
 * non-internal IPv4 address (in a container: the container's own IP on its network), because
 * that is what other containers and the Consul agent's health check can reach. 127.0.0.1 only
 * when there is no such interface (a laptop offline), where loopback is all anyone can reach anyway.
 */
export function defaultAdvertiseAddress(interfaces: Interfaces = os.networkInterfaces()): string {
  for (const addrs of Object.values(interfaces)) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}

/** A wildcard bind address listens everywhere and so says nothing about which address to advertise. */
export function isWildcardAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '';
}
