import { FIGURE_KEYS, FIGURES, Figures, REQUIRED_KEYS, benchJson, meetsTarget, roundFigures, shapeProblems } from './figures';

const figures = (v: number): Figures => Object.fromEntries(FIGURE_KEYS.map((k) => [k, v])) as Figures;

test('every key the issue names is a figure, and keys are unique', () => {
  for (const k of REQUIRED_KEYS) expect(FIGURE_KEYS).toContain(k);
  expect(new Set(FIGURE_KEYS).size).toBe(FIGURE_KEYS.length);
  expect(REQUIRED_KEYS).toEqual([
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
  ]);
});

test("the issue's targets", () => {
  const t = Object.fromEntries(FIGURES.filter((f) => 'target' in f).map((f) => [f.key, (f as { target: unknown }).target]));
  expect(t).toEqual({
    gracefulOutOfNginxP95Ms: { op: '<=', value: 500 },
    hardKillOutOfNginxP95Ms: { op: '<=', value: 2500 },
    hardKillEventsOutOfNginxP95Ms: { op: '<=', value: 500 },
    oneServerMakeBeforeBreakFirstTryRate: { op: '>=', value: 0.999 },
    graceful5xx: { op: '<=', value: 0 },
    twoServerFirstTryRate: { op: '>=', value: 0.999 },
    twoServerWithRetryRate: { op: '>=', value: 1 },
    upToHealthyMs: { op: '<=', value: 20_000 },
    labMemoryMiB: { op: '<=', value: 600 },
  });
  expect(meetsTarget(1000, { op: '<=', value: 1000 })).toBe(true);
  expect(meetsTarget(0.9989, { op: '>=', value: 0.999 })).toBe(false);
});

describe('the JSON --out writes', () => {
  const breakdown = {
    ours: { graceful: { detect: 10 }, hardKill: { detect: 500 } },
    baseline: { graceful: {}, hardKill: { detect: 5000 } },
  };
  const json = benchJson(figures(1), figures(2), { ours: {} }, { mode: 'quick' }, breakdown);

  test('every figure at the top level as a number, the same keys under baseline', () => {
    for (const k of REQUIRED_KEYS) {
      expect(typeof json[k]).toBe('number');
      expect(typeof json.baseline[k]).toBe('number');
    }
    expect(Object.keys(json.baseline).sort()).toEqual([...FIGURE_KEYS, 'failoverBreakdown'].sort());
    expect(Object.keys(json).sort()).toEqual([...FIGURE_KEYS, 'baseline', 'details', 'failoverBreakdown', 'meta'].sort());
    expect(json.failoverBreakdown).toEqual(breakdown.ours);
    expect(json.baseline.failoverBreakdown).toEqual(breakdown.baseline);
    expect(json.graceful5xx).toBe(1);
    expect(json.baseline.graceful5xx).toBe(2);
    expect(shapeProblems(JSON.parse(JSON.stringify(json)))).toEqual([]);
  });

  test('a figure measured with our settings only is null under baseline, and that is no problem', () => {
    const parsed = JSON.parse(JSON.stringify(json)) as Record<string, unknown> & { baseline: Record<string, unknown> };
    expect(parsed.oneServerMakeBeforeBreakFirstTryRate).toBe(1);
    expect(parsed.baseline.oneServerMakeBeforeBreakFirstTryRate).toBeNull();
    expect(shapeProblems(parsed)).toEqual([]);
    delete parsed.oneServerMakeBeforeBreakFirstTryRate;
    expect(shapeProblems(parsed)).toEqual(['result.oneServerMakeBeforeBreakFirstTryRate: missing']);
  });

  test("exercise 6's registrator figures are ours only: null under baseline, still required at the top", () => {
    const keys = [
      'hardKillEventsOutOfConsulP50Ms',
      'hardKillEventsOutOfConsulP95Ms',
      'hardKillEventsOutOfNginxP50Ms',
      'hardKillEventsOutOfNginxP95Ms',
      'hungOutOfConsulP50Ms',
      'hungOutOfConsulP95Ms',
      'hungOutOfNginxP50Ms',
      'hungOutOfNginxP95Ms',
    ];
    for (const k of keys) expect(FIGURES.find((f) => f.key === k)).toMatchObject({ unit: 'ms', oursOnly: true });
    // The baseline phase measures none of them (NaN), which the JSON writes as null.
    const base = { ...figures(2), ...Object.fromEntries(keys.map((k) => [k, Number.NaN])) } as Figures;
    const parsed = JSON.parse(JSON.stringify(benchJson(roundFigures(figures(1)), roundFigures(base), {}, {}))) as Record<
      string,
      unknown
    > & {
      baseline: Record<string, unknown>;
    };
    for (const k of keys) {
      expect(parsed[k]).toBe(1);
      expect(parsed.baseline[k]).toBeNull();
    }
    expect(shapeProblems(parsed)).toEqual([]);
    parsed.hungOutOfNginxP95Ms = null;
    expect(shapeProblems(parsed)).toEqual(['result.hungOutOfNginxP95Ms: not a finite number (null)']);
  });

  test("exercise 8's prepared-query figures are ours only, in ms, without a target: null under baseline", () => {
    const keys = ['preparedQueryFailoverP50Ms', 'preparedQueryFailoverP95Ms', 'preparedQueryFailbackP50Ms', 'preparedQueryFailbackP95Ms'];
    for (const k of keys) {
      const def = FIGURES.find((f) => f.key === k);
      expect(def).toMatchObject({ unit: 'ms', oursOnly: true });
      expect(def && 'target' in def).toBe(false);
    }
    const base = { ...figures(2), ...Object.fromEntries(keys.map((k) => [k, Number.NaN])) } as Figures;
    const parsed = JSON.parse(JSON.stringify(benchJson(roundFigures(figures(1)), roundFigures(base), {}, {}))) as Record<
      string,
      unknown
    > & { baseline: Record<string, unknown> };
    for (const k of keys) {
      expect(parsed[k]).toBe(1);
      expect(parsed.baseline[k]).toBeNull();
    }
    expect(shapeProblems(parsed)).toEqual([]);
  });

  test('a missing or non-numeric figure is reported, at the top or in baseline', () => {
    const broken = JSON.parse(JSON.stringify(json)) as Record<string, unknown> & { baseline: Record<string, unknown> };
    delete broken.upToHealthyMs;
    broken.baseline.labMemoryMiB = null; // what NaN becomes in JSON
    expect(shapeProblems(broken)).toEqual(['result.upToHealthyMs: missing', 'result.baseline.labMemoryMiB: not a finite number (null)']);
    expect(shapeProblems({ ...json, baseline: undefined })).toContain('result.baseline: not an object');
  });
});

test('rounding: whole ms and counts, rates to 6 decimals, MiB to 0.1', () => {
  const r = roundFigures({ ...figures(1.4), gracefulOutOfNginxP95Ms: 840.6, twoServerFirstTryRate: 0.98989898, labMemoryMiB: 158.04 });
  expect(r.gracefulOutOfNginxP95Ms).toBe(841);
  expect(r.graceful5xx).toBe(1);
  expect(r.twoServerFirstTryRate).toBe(0.989899);
  expect(r.labMemoryMiB).toBe(158);
});
