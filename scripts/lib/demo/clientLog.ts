import type { ClientRequestLine } from '../../../services/consul-demo/summary';

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

export interface InstanceTraffic {
  /** The server container's address: stable across the server's restarts, unlike its port and service ID. */
  address: string;
  requests: number;
  ok: number;
  /**
   * Distinct ports seen: each restart listens on a new port (and registers a new service ID), so this counts
   * the server's incarnations the client reached. Ports, not IDs: DNS answers carry no service ID.
   */
  incarnations: number;
  protocols: string[];
}

/** Successful requests grouped by the server address that answered them (failed ones have no reliable target). */
export function trafficByAddress(requests: ClientRequest[]): InstanceTraffic[] {
  const by = new Map<string, { requests: number; ok: number; ports: Set<number>; protocols: Set<string> }>();
  for (const r of requests) {
    if (!r.address) continue;
    const e = by.get(r.address) ?? { requests: 0, ok: 0, ports: new Set<number>(), protocols: new Set<string>() };
    e.requests += 1;
    if (r.ok) e.ok += 1;
    if (r.port !== null) e.ports.add(r.port);
    if (r.protocol) e.protocols.add(r.protocol);
    by.set(r.address, e);
  }
  return [...by.entries()]
    .map(([address, e]) => ({ address, requests: e.requests, ok: e.ok, incarnations: e.ports.size, protocols: [...e.protocols].sort() }))
    .sort((a, b) => b.requests - a.requests || a.address.localeCompare(b.address));
}
