/**
 * What the benchmark reports: one figure per key, the same keys for our settings and for the baseline
 * (the original workshop's settings). The issue fixes ten of the keys; the rest add the p50s and the
 * counts behind the rates.
 */

export type Unit = 'ms' | 'count' | 'rate' | 'MiB';

export interface Target {
  op: '<=' | '>=';
  value: number;
}

export interface FigureDef {
  key: string;
  label: string;
  unit: Unit;
  target?: Target;
  /** Measured with our settings only: the baseline's value is NaN (null in the JSON, "-" in the table). */
  oursOnly?: boolean;
}

export const FIGURES = [
  { key: 'gracefulOutOfConsulP50Ms', label: 'graceful stop -> out of Consul, p50', unit: 'ms' },
  { key: 'gracefulOutOfConsulP95Ms', label: 'graceful stop -> out of Consul, p95', unit: 'ms' },
  { key: 'gracefulOutOfNginxP50Ms', label: 'graceful stop -> out of Nginx, p50', unit: 'ms' },
  { key: 'gracefulOutOfNginxP95Ms', label: 'graceful stop -> out of Nginx, p95', unit: 'ms', target: { op: '<=', value: 500 } },
  { key: 'hardKillOutOfConsulP50Ms', label: 'hard kill -> check critical, p50', unit: 'ms' },
  { key: 'hardKillOutOfConsulP95Ms', label: 'hard kill -> check critical, p95', unit: 'ms' },
  { key: 'hardKillOutOfNginxP50Ms', label: 'hard kill -> out of Nginx, p50', unit: 'ms' },
  { key: 'hardKillOutOfNginxP95Ms', label: 'hard kill -> out of Nginx, p95', unit: 'ms', target: { op: '<=', value: 2500 } },
  // Exercise 6, ours only (the original workshop had no registrator): api-b3, registered by the registrator.
  { key: 'hardKillEventsOutOfConsulP50Ms', label: 'hard kill -> deregistered by the die event, p50', unit: 'ms', oursOnly: true },
  { key: 'hardKillEventsOutOfConsulP95Ms', label: 'hard kill -> deregistered by the die event, p95', unit: 'ms', oursOnly: true },
  { key: 'hardKillEventsOutOfNginxP50Ms', label: 'hard kill -> out of Nginx by the die event, p50', unit: 'ms', oursOnly: true },
  {
    key: 'hardKillEventsOutOfNginxP95Ms',
    label: 'hard kill -> out of Nginx by the die event, p95',
    unit: 'ms',
    target: { op: '<=', value: 500 },
    oursOnly: true,
  },
  // No target: nothing but the check tells a stopped process from a slow one (>= one interval + its timeout).
  { key: 'hungOutOfConsulP50Ms', label: 'hung process -> check critical, p50', unit: 'ms', oursOnly: true },
  { key: 'hungOutOfConsulP95Ms', label: 'hung process -> check critical, p95', unit: 'ms', oursOnly: true },
  { key: 'hungOutOfNginxP50Ms', label: 'hung process -> out of Nginx, p50 (check-bound)', unit: 'ms', oursOnly: true },
  { key: 'hungOutOfNginxP95Ms', label: 'hung process -> out of Nginx, p95 (check-bound)', unit: 'ms', oursOnly: true },
  // Exercise 8, ours only (the original workshop had one datacenter): the prepared query workshop-nearest over DNS.
  // No target: a dc1 server executes the query at each lookup, so failover is bound by one RPC across the WAN after
  // the catalog changed, failback by the restarted instance's first passing check; both plus the 20 ms poll.
  { key: 'preparedQueryFailoverP50Ms', label: "dc1's last instance out -> query answers from dc2, p50", unit: 'ms', oursOnly: true },
  { key: 'preparedQueryFailoverP95Ms', label: "dc1's last instance out -> query answers from dc2, p95", unit: 'ms', oursOnly: true },
  { key: 'preparedQueryFailbackP50Ms', label: 'a dc1 instance passing -> query answers from dc1, p50', unit: 'ms', oursOnly: true },
  { key: 'preparedQueryFailbackP95Ms', label: 'a dc1 instance passing -> query answers from dc1, p95', unit: 'ms', oursOnly: true },
  { key: 'graceful5xx', label: '/api/ errors during graceful stops', unit: 'count', target: { op: '<=', value: 0 } },
  { key: 'gracefulApiRequests', label: '/api/ requests during graceful stops', unit: 'count' },
  { key: 'hardKill5xx', label: '/api/ errors during hard kills', unit: 'count' },
  { key: 'hardKillApiRequests', label: '/api/ requests during hard kills', unit: 'count' },
  { key: 'restore5xx', label: '/api/ errors while instances come back', unit: 'count' },
  { key: 'restoreToNginxP50Ms', label: 'docker start -> back in Nginx, p50', unit: 'ms' },
  { key: 'restoreToNginxP95Ms', label: 'docker start -> back in Nginx, p95', unit: 'ms' },
  { key: 'oneServerFirstTryRate', label: 'demo client, 1 server: first try', unit: 'rate' },
  { key: 'oneServerWithRetryRate', label: 'demo client, 1 server: with retry', unit: 'rate' },
  { key: 'oneServerRequests', label: 'demo client, 1 server: requests', unit: 'count' },
  {
    key: 'oneServerMakeBeforeBreakFirstTryRate',
    label: 'demo client, 1 server, make-before-break: first try',
    unit: 'rate',
    target: { op: '>=', value: 0.999 },
    oursOnly: true,
  },
  { key: 'oneServerMakeBeforeBreakRequests', label: 'demo client, 1 server, make-before-break: requests', unit: 'count', oursOnly: true },
  { key: 'twoServerFirstTryRate', label: 'demo client, 2 servers: first try', unit: 'rate', target: { op: '>=', value: 0.999 } },
  { key: 'twoServerWithRetryRate', label: 'demo client, 2 servers: with retry', unit: 'rate', target: { op: '>=', value: 1 } },
  { key: 'twoServerRequests', label: 'demo client, 2 servers: requests', unit: 'count' },
  { key: 'reloadsScaleDown3', label: 'Nginx reloads: 3 of 4 instances stopped at once', unit: 'count' },
  { key: 'reloadsRestartAll', label: 'Nginx reloads: all 4 instances restarted at once', unit: 'count' },
  { key: 'upToHealthyP50Ms', label: 'compose up -> all healthy, p50', unit: 'ms' },
  { key: 'upToHealthyMs', label: 'compose up -> all healthy, p95', unit: 'ms', target: { op: '<=', value: 20_000 } },
  { key: 'upToServingP50Ms', label: 'compose up -> all APIs in Nginx, p50', unit: 'ms' },
  { key: 'upToServingP95Ms', label: 'compose up -> all APIs in Nginx, p95', unit: 'ms' },
  { key: 'labMemoryMiB', label: 'whole lab, resident memory', unit: 'MiB', target: { op: '<=', value: 600 } },
] as const satisfies readonly FigureDef[];

export type FigureKey = (typeof FIGURES)[number]['key'];
export type Figures = Record<FigureKey, number>;

/** The keys the issue requires at the top level of the JSON (and inside `baseline`). */
export const REQUIRED_KEYS = [
  'gracefulOutOfConsulP95Ms',
  'gracefulOutOfNginxP95Ms',
  'hardKillOutOfNginxP95Ms',
  'graceful5xx',
  'hardKill5xx',
  'oneServerFirstTryRate',
  'twoServerFirstTryRate',
  'twoServerWithRetryRate',
  'upToHealthyMs',
  'labMemoryMiB',
] as const satisfies readonly FigureKey[];

export const FIGURE_KEYS: readonly FigureKey[] = FIGURES.map((f) => f.key);

export function meetsTarget(value: number, t: Target): boolean {
  return t.op === '<=' ? value <= t.value : value >= t.value;
}

const OURS_ONLY: ReadonlySet<string> = new Set(FIGURES.filter((f: FigureDef) => f.oursOnly).map((f) => f.key));

/** p50 in ms of each failover stage (breakdown.ts STAGES), for graceful stops and hard kills. */
export interface FailoverBreakdown {
  graceful: Record<string, number>;
  hardKill: Record<string, number>;
}

/**
 * The JSON `--out` writes: every figure at the top level, the same under `baseline`, ours' failover breakdown
 * (the baseline's under `baseline.failoverBreakdown`), then the details.
 */
export type BenchJson = Figures & {
  failoverBreakdown: FailoverBreakdown;
  baseline: Figures & { failoverBreakdown: FailoverBreakdown };
  details: Record<string, unknown>;
  meta: Record<string, unknown>;
};

export function benchJson(
  ours: Figures,
  baseline: Figures,
  details: Record<string, unknown>,
  meta: Record<string, unknown>,
  breakdown: { ours: FailoverBreakdown; baseline: FailoverBreakdown } = {
    ours: { graceful: {}, hardKill: {} },
    baseline: { graceful: {}, hardKill: {} },
  },
): BenchJson {
  const pick = (f: Figures, base: boolean): Figures =>
    Object.fromEntries(FIGURE_KEYS.map((k) => [k, base && OURS_ONLY.has(k) ? Number.NaN : f[k]])) as Figures;
  return {
    ...pick(ours, false),
    failoverBreakdown: breakdown.ours,
    baseline: { ...pick(baseline, true), failoverBreakdown: breakdown.baseline },
    details,
    meta,
  };
}

/** What is wrong with a result's shape: a missing or non-numeric figure, at the top or in `baseline`. */
export function shapeProblems(json: unknown): string[] {
  const problems: string[] = [];
  const check = (o: unknown, where: string, base: boolean): void => {
    if (o === null || typeof o !== 'object') {
      problems.push(`${where}: not an object`);
      return;
    }
    const rec = o as Record<string, unknown>;
    for (const k of FIGURE_KEYS) {
      const v = rec[k];
      if (base && OURS_ONLY.has(k)) continue; // null: not measured with the baseline's settings
      if (typeof v !== 'number' || !Number.isFinite(v))
        problems.push(`${where}.${k}: ${v === undefined ? 'missing' : `not a finite number (${String(v)})`}`);
    }
  };
  check(json, 'result', false);
  check((json as { baseline?: unknown } | null)?.baseline, 'result.baseline', true);
  return problems;
}

/** Whole ms and counts, rates to 6 decimals, MiB to 0.1: the precision the measurement has. */
export function roundFigures(f: Figures): Figures {
  const unitOf = new Map<string, Unit>(FIGURES.map((d) => [d.key, d.unit]));
  const out = { ...f };
  for (const k of FIGURE_KEYS) {
    const v = f[k];
    const u = unitOf.get(k);
    out[k] = u === 'rate' ? Math.round(v * 1e6) / 1e6 : u === 'MiB' ? Math.round(v * 10) / 10 : Math.round(v);
  }
  return out;
}
