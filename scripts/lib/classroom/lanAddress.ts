// The instructor's LAN address: what every published classroom port binds to and what Consul advertises.
// Default: the local address of the default route, found the portable way (a UDP socket "connected" to an
// address outside any LAN picks the source address of the default route; connect() on UDP sends nothing).
import { createSocket } from 'node:dgram';
import { createServer, isIP } from 'node:net';
import os from 'node:os';
import { UsageError } from '../../../services/shared/errors';

/** TEST-NET-1 (RFC 5737): routed like any outside address, never answered; nothing is sent to it anyway. */
const OUTSIDE = '192.0.2.1';

/** The IPv4 source address of the default route, or undefined when there is no default route. */
export function defaultRouteAddress(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const done = (addr: string | undefined): void => {
      socket.close();
      resolve(addr);
    };
    socket.on('error', () => done(undefined));
    socket.connect(9, OUTSIDE, () => {
      try {
        const a = socket.address().address;
        done(a && a !== '0.0.0.0' && !a.startsWith('127.') ? a : undefined);
      } catch {
        done(undefined);
      }
    });
  });
}

/** Every IPv4 address of this machine's interfaces. */
export function localIpv4Addresses(interfaces = os.networkInterfaces()): string[] {
  return Object.values(interfaces)
    .flatMap((list) => list ?? [])
    .filter((i) => i.family === 'IPv4')
    .map((i) => i.address);
}

/**
 * Whether this machine can bind `ip` (what Docker does to publish on it). The interface list alone is not enough:
 * it leaves out interfaces without a carrier (e.g. docker0 with no container), whose addresses still work.
 */
export function canBind(ip: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, ip, () => server.close(() => resolve(true)));
  });
}

/**
 * `--lan-address` checked (an IPv4 address of this machine, not loopback: students could not reach it), or the
 * default route's address. UsageError (exit 2) when neither works.
 */
export async function resolveLanAddress(
  given: string | undefined,
  deps: { defaultRoute?: () => Promise<string | undefined>; local?: () => string[]; bindable?: (ip: string) => Promise<boolean> } = {},
): Promise<string> {
  const local = (deps.local ?? localIpv4Addresses)();
  const bindable = deps.bindable ?? canBind;
  if (given !== undefined) {
    if (isIP(given) !== 4) throw new UsageError(`--lan-address: ${JSON.stringify(given.slice(0, 60))} is not an IPv4 address`);
    if (given.startsWith('127.'))
      throw new UsageError("--lan-address: a loopback address is not reachable from the room; give this machine's LAN address");
    if (!local.includes(given) && !(await bindable(given))) {
      throw new UsageError(
        `--lan-address: ${given} is not an address of this machine (it has ${local.filter((a) => !a.startsWith('127.')).join(', ') || 'none'})`,
      );
    }
    return given;
  }
  const found = await (deps.defaultRoute ?? defaultRouteAddress)();
  if (!found) {
    throw new UsageError(
      "no default route, so no LAN address to publish the classroom on: connect to the room's network or give --lan-address <this machine's IPv4 address>",
    );
  }
  return found;
}
