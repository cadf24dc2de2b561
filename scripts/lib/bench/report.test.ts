import { FIGURE_KEYS, Figures } from './figures';
import { formatRatio, formatTarget, formatValue, missedTargets, renderBenchTable, renderBreakdownTable } from './report';

const figures = (v: number): Figures => Object.fromEntries(FIGURE_KEYS.map((k) => [k, v])) as Figures;

describe('formatValue', () => {
  test('ms as seconds with two decimals, rates as percent, MiB, whole counts', () => {
    expect(formatValue(840, 'ms')).toBe('0.84 s');
    expect(formatValue(10_502, 'ms')).toBe('10.50 s');
    expect(formatValue(0.989899, 'rate')).toBe('98.99 %');
    expect(formatValue(1, 'rate')).toBe('100.00 %');
    expect(formatValue(158.04, 'MiB')).toBe('158.0 MiB');
    expect(formatValue(2.4, 'count')).toBe('2');
    expect(formatValue(Number.NaN, 'ms')).toBe('-');
  });
});

describe('formatRatio: ours / baseline', () => {
  test('faster than the baseline is below 1', () => {
    expect(formatRatio(2932, 10_502)).toBe('0.28x');
    expect(formatRatio(0.99, 0.75)).toBe('1.32x');
  });
  test('large ratios lose their decimals', () => {
    expect(formatRatio(250, 10)).toBe('25x');
  });
  test('no ratio against a zero or missing baseline', () => {
    expect(formatRatio(0, 0)).toBe('-');
    expect(formatRatio(3, 0)).toBe('-');
    expect(formatRatio(3, Number.NaN)).toBe('-');
  });
});

test('targets read as written in the issue', () => {
  expect(formatTarget({ op: '<=', value: 1000 }, 'ms')).toBe('<= 1 s');
  expect(formatTarget({ op: '>=', value: 0.999 }, 'rate')).toBe('>= 99.90 %');
  expect(formatTarget({ op: '>=', value: 1 }, 'rate')).toBe('>= 100 %');
  expect(formatTarget({ op: '<=', value: 600 }, 'MiB')).toBe('<= 600 MiB');
  expect(formatTarget({ op: '<=', value: 0 }, 'count')).toBe('<= 0');
  expect(formatTarget(undefined, 'ms')).toBe('');
});

describe('the table', () => {
  const ours = {
    ...figures(1),
    gracefulOutOfNginxP95Ms: 420,
    graceful5xx: 0,
    twoServerFirstTryRate: 0.998,
    twoServerWithRetryRate: 1,
    upToHealthyMs: 15_000,
    labMemoryMiB: 158,
    hardKillOutOfNginxP95Ms: 2100,
    oneServerMakeBeforeBreakFirstTryRate: 0.9995,
  };
  const base = {
    ...figures(2),
    gracefulOutOfNginxP95Ms: 980,
    graceful5xx: 2,
    twoServerFirstTryRate: 0.75,
    twoServerWithRetryRate: 1,
    upToHealthyMs: 14_000,
    labMemoryMiB: 150,
    hardKillOutOfNginxP95Ms: 10_500,
  };
  const table = renderBenchTable(ours, base);
  const lines = table.split('\n');

  test('a header and one row per figure, columns ours | baseline | ratio | target', () => {
    expect(lines[0]).toMatch(/^\s*FIGURE\s+OURS\s+BASELINE\s+RATIO\s+TARGET$/);
    expect(lines).toHaveLength(FIGURE_KEYS.length + 1);
  });
  test('a row shows both values, the ratio and the verdict', () => {
    const row = lines.find((l) => l.includes('graceful stop -> out of Nginx, p95'))!;
    expect(row).toMatch(/0\.42 s\s+0\.98 s\s+0\.43x\s+<= 0\.50 s\s+met$/);
    const kill = lines.find((l) => l.includes('hard kill -> out of Nginx, p95'))!;
    expect(kill).toMatch(/2\.10 s\s+10\.50 s\s+0\.20x\s+<= 2\.50 s\s+met$/);
    const missed = lines.find((l) => l.includes('2 servers: first try'))!;
    expect(missed).toMatch(/99\.80 %\s+75\.00 %\s+1\.33x\s+>= 99\.90 %\s+MISSED$/);
  });
  test("the registrator's rows: ours only ('-' for the baseline, no ratio), the die event's p95 against 0.5 s", () => {
    const regOurs = { ...ours, hardKillEventsOutOfNginxP95Ms: 420, hungOutOfNginxP95Ms: 1800 };
    const regBase = { ...base, hardKillEventsOutOfNginxP95Ms: Number.NaN, hungOutOfNginxP95Ms: Number.NaN };
    const rows = renderBenchTable(regOurs, regBase).split('\n');
    expect(rows.find((l) => l.includes('hard kill -> out of Nginx by the die event, p95'))).toMatch(/0\.42 s\s+-\s+-\s+<= 0\.50 s\s+met$/);
    expect(rows.find((l) => l.includes('hung process -> out of Nginx, p95'))).toMatch(/1\.80 s\s+-\s+-$/);
    expect(missedTargets({ ...regOurs, twoServerFirstTryRate: 1, hardKillEventsOutOfNginxP95Ms: 640 })).toEqual([
      'hard kill -> out of Nginx by the die event, p95: 0.64 s (target <= 0.50 s)',
    ]);
    // No target on the hung process: a slow one is not "missed", it is bounded by the check.
    expect(missedTargets({ ...regOurs, twoServerFirstTryRate: 1, hungOutOfNginxP95Ms: 9000 })).toEqual([]);
  });

  test('missed targets are listed by name with value and target', () => {
    expect(missedTargets(ours)).toEqual(['demo client, 2 servers: first try: 99.80 % (target >= 99.90 %)']);
    expect(missedTargets({ ...ours, twoServerFirstTryRate: 1 })).toEqual([]);
  });
});

test('the breakdown table: one row per stage, p50s of ours and the baseline, "-" for a stage not seen', () => {
  const lines = renderBreakdownTable(
    { graceful: { detect: 12, templateWait: 105 }, hardKill: { detect: 480 } },
    { graceful: { detect: 15 }, hardKill: {} },
  ).split('\n');
  expect(lines[0]).toMatch(/^\s*STAGE \(p50\)\s+OURS GRACEFUL\s+OURS KILL\s+BASE GRACEFUL\s+BASE KILL$/);
  expect(lines).toHaveLength(8);
  expect(lines[1]).toMatch(/action -> the agent knows.*\s0\.01 s\s+0\.48 s\s+0\.01 s\s+-$/);
  expect(lines.find((l) => l.includes("consul-template's wait"))).toMatch(/0\.10 s\s+-\s+-\s+-$/);
});
