/** Plain-text tables for terminal output: columns padded to their widest cell, two spaces apart. */

export type Align = 'left' | 'right';

export interface Column {
  header: string;
  align?: Align;
}

/** Visible width of a cell: strips ANSI colour codes so coloured cells still line up. */
function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC, a control character by definition
  return s.replace(/\u001b\[[0-9;]*m/g, '').length;
}

function pad(s: string, width: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, width - visibleLength(s)));
  return align === 'right' ? fill + s : s + fill;
}

/**
 * Render rows under headers. Numbers are right-aligned when the column says so; trailing
 * spaces are trimmed so copy-pasted output stays clean. `indent` prefixes every line.
 */
export function renderTable(columns: Column[], rows: Array<Array<string | number>>, indent = '  '): string {
  const cells = rows.map((r) => columns.map((_, i) => String(r[i] ?? '')));
  const widths = columns.map((c, i) => Math.max(visibleLength(c.header), ...cells.map((r) => visibleLength(r[i]!))));
  const line = (r: string[]): string =>
    (indent + r.map((cell, i) => pad(cell, widths[i]!, columns[i]!.align ?? 'left')).join('  ')).trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

/** Seconds with one decimal, as every lab script prints durations: 1234 → "1.2 s". */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A percentage with one decimal, or "-" when there is nothing to divide. */
export function formatPercent(part: number, total: number): string {
  return total > 0 ? `${((part / total) * 100).toFixed(1)} %` : '-';
}
