import type { ClientRequestLine } from '../../../services/consul-demo/names';
import { demoServerOf } from '../../../services/shared/demoServerId';

/*
 * The demo client (consul-demo client --json) prints one JSON object per request on stdout: the line type is
 * consul-demo's ClientRequestLine. These helpers read those lines (from `docker logs`) and summarise them.
 */

/**
 * A --json line as read back: its fields, with `ts` as epoch ms. Read tolerantly (a line from another
 * version may lack a field): discovery and protocol are whatever text the line had.
 */
export type ClientRequest = Omit<ClientRequestLine, 'ts' | 'discovery' | 'protocol'> & {
  ts: number;
  discovery: string;
  protocol: string | null;
};

function optStr(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** One log line → a request, or null for anything else (start-up lines, partial lines, other output). */
export function parseClientLine(line: string): ClientRequest | null {
  const t = line.trim();
  if (!t.startsWith('{')) return null;
  let o: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(t);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
    o = v as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof o.ok !== 'boolean') return null;
  const ts = typeof o.ts === 'number' ? o.ts : Date.parse(String(o.ts));
  if (!Number.isFinite(ts)) return null;
  return {
    ts,
    discovery: optStr(o.discovery) ?? '?',
    serviceId: optStr(o.serviceId),
    address: optStr(o.address),
    port: typeof o.port === 'number' ? o.port : null,
    protocol: optStr(o.protocol),
    ok: o.ok,
    attempts: typeof o.attempts === 'number' ? o.attempts : 1,
    latencyMs: typeof o.latencyMs === 'number' ? o.latencyMs : 0,
    error: optStr(o.error),
  };
}

export function parseClientLog(text: string): ClientRequest[] {
  return text
    .split('\n')
    .map(parseClientLine)
    .filter((r): r is ClientRequest => r !== null);
}

export interface SuccessSummary {
  requests: number;
  ok: number;
  firstTry: number;
  failed: number;
  lastError: { ts: number; error: string } | null;
}

export function summarise(requests: ClientRequest[]): SuccessSummary {
  let ok = 0;
  let firstTry = 0;
  let lastError: SuccessSummary['lastError'] = null;
  for (const r of requests) {
    if (r.ok) ok += 1;
    if (r.ok && r.attempts <= 1) firstTry += 1;
    if (!r.ok && r.error && (!lastError || r.ts >= lastError.ts)) lastError = { ts: r.ts, error: r.error };
  }
  return { requests: requests.length, ok, firstTry, failed: requests.length - ok, lastError };
}

export interface ServerTraffic {
  /**
   * The server process: its instance prefix (the service ID without the `-<n>` incarnation, consul-demo's
   * registration.ts), stable across its restarts. Servers on one simulated host share its address, so the
   * address no longer tells them apart.
   */
  server: string;
  address: string;
  requests: number;
  ok: number;
  /**
   * Distinct ports seen: each restart listens on a new port (and registers a new service ID), so this counts
   * the server's incarnations the client reached.
   */
  incarnations: number;
  protocols: string[];
}

/** consul-demo-<host>-<pid>-<random>-<n> → consul-demo-<host>-<pid>-<random>: one server process. */
export { demoServerOf };

/** Requests a DNS answer led to carry no service ID: the server they reached, if an HTTP request named that address:port. */
const UNMATCHED = '(DNS only: no HTTP request named this port)';

/**
 * Successful requests grouped by the server process that answered them. HTTP discovery names the service ID;
 * a DNS answer only has address:port, attributed to the server an HTTP request reached on the same address:port
 * (every incarnation listens on a new random port, so a port names one incarnation of one server).
 */
export function trafficByServer(requests: ClientRequest[]): ServerTraffic[] {
  const ownerOf = new Map<string, string>();
  for (const r of requests)
    if (r.serviceId && r.address && r.port !== null) ownerOf.set(`${r.address}:${r.port}`, demoServerOf(r.serviceId));
  const by = new Map<string, { address: string; requests: number; ok: number; ports: Set<number>; protocols: Set<string> }>();
  for (const r of requests) {
    if (!r.address) continue;
    const server = r.serviceId ? demoServerOf(r.serviceId) : (ownerOf.get(`${r.address}:${r.port}`) ?? `${r.address} ${UNMATCHED}`);
    const e = by.get(server) ?? { address: r.address, requests: 0, ok: 0, ports: new Set<number>(), protocols: new Set<string>() };
    e.requests += 1;
    if (r.ok) e.ok += 1;
    if (r.port !== null) e.ports.add(r.port);
    if (r.protocol) e.protocols.add(r.protocol);
    by.set(server, e);
  }
  return [...by.entries()]
    .map(([server, e]) => ({
      server,
      address: e.address,
      requests: e.requests,
      ok: e.ok,
      incarnations: e.ports.size,
      protocols: [...e.protocols].sort(),
    }))
    .sort((a, b) => b.requests - a.requests || a.server.localeCompare(b.server));
}
