import { isIP } from 'node:net';
import { UsageError } from '../shared/errors';
import { isWildcardAddress } from '../shared/network';

export interface IpPort {
  host: string;
  port: number;
}

/** The value quoted for a one-line message: JSON-escaped (no raw newline or control character) and cut short. */
function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/**
 * `10.213.50.22:21000` or `[::1]:16380`: an IP address literal and a port 1–65535. Host names are refused: the
 * probe must reach exactly the address the student names, never whatever a resolver answers. Anything else is a
 * one-line UsageError naming `what` and the value.
 */
export function parseIpPort(value: string, what: string): IpPort {
  const bad = (why: string): UsageError => new UsageError(`${what}: ${why}, got ${shown(value)}`);
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(value) ?? /^([^:[\]]+):(\d{1,5})$/.exec(value);
  if (!m) {
    const colon = value.lastIndexOf(':');
    if (colon > 0 && isIP(value.slice(0, colon)) === 6) throw bad('an IPv6 address goes in brackets: [::1]:16380');
    throw bad('expected an IP address and port like 10.213.50.22:21000 or [::1]:16380');
  }
  const host = m[1]!;
  const port = Number(m[2]);
  const family = isIP(host);
  if (family === 0) throw bad('expected an IP address (not a host name) and port like 10.213.50.22:21000');
  if (family === 4 && value.startsWith('[')) throw bad('only an IPv6 address goes in brackets');
  if (isWildcardAddress(host) || (family === 6 && /^[0:]+$/.test(host))) throw bad('a wildcard address is nothing to connect to');
  if (port < 1 || port > 65_535) throw bad('the port must be 1 to 65535');
  return { host, port };
}

/** `host:port`, IPv6 in brackets, as the records and the logs show an address. */
export function formatIpPort(a: IpPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
