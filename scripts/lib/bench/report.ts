import { renderTable } from '../term/table';
import { STAGES } from './breakdown';
import { FIGURES, FailoverBreakdown, FigureDef, Figures, Target, Unit, meetsTarget } from './figures';

/** One figure as a person reads it: seconds with two decimals, percentages, whole counts, MiB. */
export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return '-';
  switch (unit) {
    case 'ms':
      return `${(value / 1000).toFixed(2)} s`;
    case 'rate':
      return `${(value * 100).toFixed(2)} %`;
    case 'MiB':
      return `${value.toFixed(1)} MiB`;
    case 'count':
      return String(Math.round(value));
  }
}

/** ours / baseline as "0.25x"; "-" when the baseline is 0 (or either side is missing): no ratio to show. */
export function formatRatio(ours: number, baseline: number): string {
  if (!Number.isFinite(ours) || !Number.isFinite(baseline) || baseline === 0) return '-';
  const r = ours / baseline;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}x`;
}

export function formatTarget(t: Target | undefined, unit: Unit): string {
  if (!t) return '';
  const v =
    unit === 'count'
      ? String(t.value)
      : formatValue(t.value, unit)
          .replace(/\.00 s$/, ' s')
          .replace(/\.00 %$/, ' %')
          .replace(/\.0 MiB$/, ' MiB');
  return `${t.op === '<=' ? '<=' : '>='} ${v}`;
}

/** "met" / "MISSED" for our value against the target; empty when the figure has no target. */
export function targetVerdict(def: FigureDef, ours: number): string {
  if (!def.target) return '';
  return meetsTarget(ours, def.target) ? 'met' : 'MISSED';
}

/** The table the bench prints: figure | ours | baseline | ratio | target (and whether ours meets it). */
export function renderBenchTable(ours: Figures, baseline: Figures, defs: readonly FigureDef[] = FIGURES): string {
  const rows = defs.map((d) => {
    const o = ours[d.key as keyof Figures];
    const b = baseline[d.key as keyof Figures];
    const target = formatTarget(d.target, d.unit);
    return [d.label, formatValue(o, d.unit), formatValue(b, d.unit), formatRatio(o, b), target ? `${target}  ${targetVerdict(d, o)}` : ''];
  });
  return renderTable(
    [
      { header: 'FIGURE' },
      { header: 'OURS', align: 'right' },
      { header: 'BASELINE', align: 'right' },
      { header: 'RATIO', align: 'right' },
      { header: 'TARGET' },
    ],
    rows,
  );
}

/** Which targets ours misses, as "label (value, target)" lines. */
export function missedTargets(ours: Figures, defs: readonly FigureDef[] = FIGURES): string[] {
  return defs
    .filter((d) => d.target && !meetsTarget(ours[d.key as keyof Figures], d.target))
    .map((d) => `${d.label}: ${formatValue(ours[d.key as keyof Figures], d.unit)} (target ${formatTarget(d.target, d.unit)})`);
}

/** Where the failover time goes: one row per stage (breakdown.ts), p50 in seconds, ours and the baseline. */
export function renderBreakdownTable(ours: FailoverBreakdown, baseline: FailoverBreakdown): string {
  const v = (x: number | undefined): string => (x === undefined ? '-' : formatValue(x, 'ms'));
  const rows = STAGES.map((st) => [
    st.label,
    v(ours.graceful[st.key]),
    v(ours.hardKill[st.key]),
    v(baseline.graceful[st.key]),
    v(baseline.hardKill[st.key]),
  ]);
  return renderTable(
    [
      { header: 'STAGE (p50)' },
      { header: 'OURS GRACEFUL', align: 'right' },
      { header: 'OURS KILL', align: 'right' },
      { header: 'BASE GRACEFUL', align: 'right' },
      { header: 'BASE KILL', align: 'right' },
    ],
    rows,
  );
}
