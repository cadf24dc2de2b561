import { isIP } from 'node:net';
import { UsageError } from '../errors';

export interface HostPort {
  /** A host name or an IP address; IPv6 without brackets (`::1`), as node:net and node:dns take it. */
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
    throw new UsageError(`${what}: port must be an integer 1-65535, got ${JSON.stringify(shorten(String(value)))}`);
  }
  return n;
}

// DNS labels, plus "_" because Docker/Compose names (`lab_consul-agent_1`) resolve on Docker's DNS;
// an optional trailing dot for a fully qualified name.
const HOSTNAME = /^(?=.{1,253}\.?$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

/** An IP address or a DNS name (as HOSTNAME allows): a host node:net can be asked to connect to. */
export function isHost(host: string): boolean {
  return isIP(host) !== 0 || HOSTNAME.test(host);
}

function shorten(value: string): string {
  // A pasted file must not become a megabyte-long error line.
  return value.length > 100 ? `${value.slice(0, 100)}…` : value;
}

/**
 * The value as it may be shown in a message: everything after the scheme up to the last "@" (`user:secret@`)
 * is replaced, so a password in an address never reaches a log or an error line. A password may hold "/", "?",
 * "#" or "@" itself, so the last "@" anywhere counts: over-redacting an error message beats leaking.
 */
export function redactAddress(value: string): string {
  return shorten(value.replace(/^(\s*(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/)?)[\s\S]*@/, '$1[redacted]@'));
}

/** For a message: redacted, cut short, and JSON-quoted so a newline in the value cannot break the one line. */
function quoteAddress(value: string): string {
  return JSON.stringify(redactAddress(value));
}

function checkHost(host: string, what: string, shown: string): string {
  const bracketed = host.startsWith('[') && host.endsWith(']');
  const h = bracketed ? host.slice(1, -1) : host;
  if (bracketed) {
    if (isIP(h) === 6 && !h.includes('%')) return h;
    // A zone id (fe80::1%eth0) is not valid in a URL, so the HTTP client could not use it either.
    throw new UsageError(
      `${what}: ${JSON.stringify(shorten(h))} between [ ] is not an IPv6 address (zone ids are not supported), in ${shown}`,
    );
  }
  if (isIP(h) === 4 || HOSTNAME.test(h)) return h;
  throw new UsageError(`${what}: bad host ${JSON.stringify(shorten(h))} in ${shown}`);
}

function hostPort(value: string, what: string, defaultPort: number, shown: string): HostPort {
  const v = value.trim();
  if (!v) throw new UsageError(`${what}: empty address`);
  // Never quote parts of a value with "@": they could be a user name and password.
  if (v.includes('@')) throw new UsageError(`${what}: credentials in the address are not supported, got ${shown}`);
  if (isIP(v) === 6) throw new UsageError(`${what}: an IPv6 address needs brackets, e.g. [${v}]:${defaultPort}, got ${shown}`);
  const m = /^(\[[^\]]*\]|[^:[\]]+)(?::([^:]*))?$/.exec(v);
  if (!m) throw new UsageError(`${what}: expected host:port, [IPv6]:port or host, got ${shown}`);
  const host = checkHost(m[1]!, what, shown);
  let port = defaultPort;
  if (m[2] !== undefined) {
    try {
      port = parsePort(m[2], what);
    } catch {
      throw new UsageError(`${what}: port must be an integer 1-65535, got ${JSON.stringify(shorten(m[2]))} in ${shown}`);
    }
  }
  return { host, port };
}

/** `host:port`, `host` (default port) or `[v6]:port` / `[v6]`. The returned IPv6 host has no brackets. */
export function parseHostPort(value: string, what: string, defaultPort: number): HostPort {
  return hostPort(value, what, defaultPort, quoteAddress(value));
}

/**
 * CONSUL_HTTP_ADDR as Consul's own CLI accepts it: `host:port`, `http://host:port`, `https://host:port`,
 * the bare host, and IPv6 in brackets (`[::1]:8500`, `http://[::1]:8500`, `[::1]`). A trailing slash is
 * tolerated; a path, a query or credentials (`user:pass@`) are not. Parsing is complete: an address accepted
 * here always makes a valid URL (checked), so nothing fails later with "Invalid URL". Errors are UsageErrors
 * naming `what` (exit 2) and never show credentials.
 */
export function parseConsulHttpAddr(value: string, what = 'CONSUL_HTTP_ADDR'): ConsulHttpAddress {
  const shown = quoteAddress(value);
  let v = value.trim();
  let secure = false;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(v);
  if (scheme) {
    const s = scheme[1]!.toLowerCase();
    if (s !== 'http' && s !== 'https') throw new UsageError(`${what}: scheme must be http or https, got ${shown}`);
    secure = s === 'https';
    v = v.slice(scheme[0].length);
  }
  // Before the path check: a password holding "/" would otherwise be refused as a path, which reads wrong.
  if (v.includes('@')) {
    // The consul client would send them as HTTP basic auth, which a Consul agent does not read; the ACL
    // token is what authenticates. Refusing also keeps a password out of every later log line.
    throw new UsageError(`${what}: credentials in the address are not supported (use CONSUL_HTTP_TOKEN for an ACL token), got ${shown}`);
  }
  v = v.replace(/\/$/, '');
  if (/[/?#]/.test(v)) throw new UsageError(`${what}: expected [http://]host:port without a path, got ${shown}`);
  const addr: ConsulHttpAddress = { ...hostPort(v, what, secure ? 443 : 8500, shown), secure };
  try {
    new URL(consulUrl(addr));
  } catch {
    throw new UsageError(`${what}: not a usable address: ${shown}`);
  }
  return addr;
}

/** `http://[::1]:8500`: a URL with the IPv6 host bracketed. */
export function consulUrl(addr: ConsulHttpAddress): string {
  return `${addr.secure ? 'https' : 'http'}://${formatHostPort(addr)}`;
}

/** The host as a URL or `host:port` writes it: an IPv6 address in brackets (`[::1]`), anything else as it is. */
export function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** `host:port`, `[::1]:8500` for IPv6. */
export function formatHostPort({ host, port }: HostPort): string {
  return `${urlHost(host)}:${port}`;
}
