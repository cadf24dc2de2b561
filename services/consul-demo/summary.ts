import type { DiscoveryMethod } from './discovery/types';
import type { ClientRequestLine } from './names';
import type { Version } from './protocol';

// The --json line's type lives in names.ts (what the lab scripts may import); re-exported here for the service's code
// and the tests that import it from this file.
export type { ClientRequestLine } from './names';

export function resultJson(r: ClientRequestLine): string {
  const { ts, discovery, serviceId, address, port, protocol, ok, attempts, latencyMs, error } = r;
  return JSON.stringify({ ts, discovery, serviceId, address, port, protocol, ok, attempts, latencyMs, error });
}

export function resultText(r: ClientRequestLine, n: number): string {
  const where = r.address ? `${r.address}:${r.port}` : '-';
  const tries = r.attempts > 1 ? ` after ${r.attempts} attempts` : '';
  const what = r.ok ? `ok${tries}` : `FAILED${tries}: ${r.error}`;
  return `${r.ts} #${n} ${r.discovery.padEnd(4)} ${r.protocol ?? '--'} ${where} ${r.serviceId ?? '-'} ${r.latencyMs}ms ${what}`;
}

interface Counts {
  requests: number;
  ok: number;
  firstTryOk: number;
}

export interface Summary extends Counts {
  failed: number;
  /** firstTryOk / requests, 0..1 (0 when there were no requests). */
  firstTryRate: number;
  byDiscovery: Record<DiscoveryMethod, Counts>;
  byProtocol: Record<Version, Counts>;
}

const zero = (): Counts => ({ requests: 0, ok: 0, firstTryOk: 0 });

export class Stats {
  private readonly total = zero();
  private readonly byDiscovery: Record<DiscoveryMethod, Counts> = { dns: zero(), http: zero() };
  private readonly byProtocol: Record<Version, Counts> = { v1: zero(), v2: zero() };

  add(r: ClientRequestLine): void {
    const buckets = [this.total, this.byDiscovery[r.discovery]];
    // A request that never reached an instance has no protocol to count it under.
    if (r.protocol) buckets.push(this.byProtocol[r.protocol]);
    for (const c of buckets) {
      c.requests++;
      if (r.ok) c.ok++;
      if (r.ok && r.attempts === 1) c.firstTryOk++;
    }
  }

  summary(): Summary {
    const t = this.total;
    return {
      ...t,
      failed: t.requests - t.ok,
      firstTryRate: t.requests ? t.firstTryOk / t.requests : 0,
      byDiscovery: structuredClone(this.byDiscovery),
      byProtocol: structuredClone(this.byProtocol),
    };
  }
}

const pct = (n: number, d: number): string => (d ? `${((100 * n) / d).toFixed(1)}%` : 'n/a');

export function summaryText(s: Summary): string {
  const line = (label: string, c: Counts): string =>
    `  ${label.padEnd(5)} ${c.requests} requests, ${c.ok} ok, ${c.requests - c.ok} failed, first try ${pct(c.firstTryOk, c.requests)}`;
  return [
    `summary: ${s.requests} requests, ${s.ok} ok, ${s.failed} failed, first-try success ${pct(s.firstTryOk, s.requests)} (${s.firstTryOk}/${s.requests}), within the retry ${pct(s.ok, s.requests)}`,
    line('dns', s.byDiscovery.dns),
    line('http', s.byDiscovery.http),
    line('v1', s.byProtocol.v1),
    line('v2', s.byProtocol.v2),
  ].join('\n');
}

/** `--json` mode: the summary is one line too, under its own key so request parsers can tell it apart. */
export function summaryJson(s: Summary): string {
  return JSON.stringify({ summary: s });
}
