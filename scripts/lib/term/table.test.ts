import { formatPercent, formatSeconds, renderTable } from './table';

describe('renderTable', () => {
  it('pads columns to the widest cell, right-aligns numbers, trims line ends', () => {
    const out = renderTable(
      [{ header: 'SERVICE' }, { header: 'PASSING', align: 'right' }, { header: 'NOTE' }],
      [
        ['workshop', 3, ''],
        ['consul-demo', 12, 'x'],
      ],
    );
    expect(out.split('\n')).toEqual(['  SERVICE      PASSING  NOTE', '  workshop           3', '  consul-demo       12  x']);
  });

  it('ignores colour codes when measuring', () => {
    const out = renderTable([{ header: 'A' }, { header: 'B' }], [['\u001b[31mred\u001b[0m', 'x']], '');
    expect(out.split('\n')[1]).toBe('\u001b[31mred\u001b[0m  x');
  });
});

describe('formatSeconds / formatPercent', () => {
  it('prints seconds with one decimal', () => {
    expect(formatSeconds(0)).toBe('0.0 s');
    expect(formatSeconds(1234)).toBe('1.2 s');
    expect(formatSeconds(15_000)).toBe('15.0 s');
  });
  it('prints percentages with one decimal, "-" for nothing', () => {
    expect(formatPercent(57, 58)).toBe('98.3 %');
    expect(formatPercent(0, 0)).toBe('-');
  });
});
