import { isIP } from 'node:net';
import { UsageError } from './errors';

export interface HostPort {
  host: string;
  port: number;
}

export interface ConsulHttpAddress extends HostPort {
  secure: boolean;
}

export const DEFAULT_CONSUL_HTTP_ADDR = '127.0.0.1:8500';
export const DEFAULT_CONSUL_DNS_ADDR = '127.0.0.1:8600';

export function parsePort(value: string | number, what: string): number {
  const s = String(value).trim();
  const n = Number(s);
  if (!/^\d+$/.test(s) || !Number.isInteger(n) || n < 1 || n > 65535) {
    throw new UsageError(`${what}: port must be an integer 1-65535, got "${value}"`);
  }
  return n;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function checkHost(host: string, what: string, original: string): string {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(h) || HOSTNAME.test(h)) return h;
  throw new UsageError(`${what}: bad host in "${original}"`);
}

/** `host:port`, `host` (default port) or `[v6]:port`. */
export function parseHostPort(value: string, what: string, defaultPort: number): HostPort {
  const v = value.trim();
  if (!v) throw new UsageError(`${what}: empty address`);
  const m = /^(\[[^\]]+\]|[^:]+)(?::([^:]*))?$/.exec(v);
  if (!m) throw new UsageError(`${what}: expected host:port, got "${value}"`);
  const host = checkHost(m[1]!, what, value);
  const port = m[2] === undefined ? defaultPort : parsePort(m[2], `${what} "${value}"`);
  return { host, port };
}

/**
 * CONSUL_HTTP_ADDR as Consul's own CLI accepts it: `host:port`, `http://host:port`, `https://host:port`
 * (and the bare host). A trailing slash is tolerated; a path is not.
 */
export function parseConsulHttpAddr(value: string, what = 'CONSUL_HTTP_ADDR'): ConsulHttpAddress {
  let v = value.trim();
  let secure = false;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(v);
  if (scheme) {
    const s = scheme[1]!.toLowerCase();
    if (s !== 'http' && s !== 'https') throw new UsageError(`${what}: scheme must be http or https, got "${value}"`);
    secure = s === 'https';
    v = v.slice(scheme[0].length);
  }
  v = v.replace(/\/$/, '');
  if (v.includes('/')) throw new UsageError(`${what}: expected [http://]host:port, got "${value}"`);
  const hp = parseHostPort(v, what, secure ? 443 : 8500);
  return { ...hp, secure };
}

export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
