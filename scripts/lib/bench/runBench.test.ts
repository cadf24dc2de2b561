import type Docker from 'dockerode';
import fc from 'fast-check';
import { UsageError } from '../../../services/shared/errors';
import { fakeCommandIo } from '../lab/testdata/fakeCommandIo';
import type { BenchLab } from './benchLab';
import { FIGURE_KEYS, type Figures } from './figures';
import type { PhaseResult } from './phase';
import { benchReport, benchSetup, runBench, trialsArg, type BenchDeps, type BenchOptions } from './runBench';
import { BASELINE, DEFAULT_WHERE, FULL_PLAN, OURS, QUICK_PLAN } from './settings';
import { teardownOnce } from './teardown';

const OPTS: BenchOptions = { ...DEFAULT_WHERE };

/** Every figure at `v` (0 meets the "<=" targets; rates of 1 the ">=" ones). */
const allFigures = (v: number): Figures => Object.fromEntries(FIGURE_KEYS.map((k) => [k, v])) as Figures;

function phase(settings: typeof OURS, figures: Figures, warnings: string[] = []): PhaseResult {
  return {
    settings,
    figures,
    upTrials: [{ healthyMs: 1234.4, servingMs: 2000.6 }],
    stopTrials: [],
    clientWindows: [],
    memory: { containers: [{ name: 'nginx', mib: 12.34 }], totalMiB: 12.34, method: 'cgroup' } as PhaseResult['memory'],
    breakdown: { graceful: {}, hardKill: {} },
    reloadBursts: [],
    failoverTrials: [],
    api: {} as PhaseResult['api'],
    warnings,
  };
}

interface World {
  deps: BenchDeps;
  calls: string[];
  out: string[];
  progress(): string[];
  written: Map<string, string>;
}

function world(phases: Partial<Record<'ours' | 'baseline', () => Promise<PhaseResult>>> = {}, downFails = false): World {
  const fake = fakeCommandIo(Date.UTC(2026, 0, 1));
  const calls: string[] = [];
  const written = new Map<string, string>();
  const lab = {
    consul: { version: async () => '1.20.5' },
    down: async () => {
      calls.push('down');
      if (downFails) throw new Error('engine gone');
    },
    close: () => void calls.push('close'),
  } as unknown as BenchLab;
  const deps: BenchDeps = {
    ...fake.io,
    root: '/repo',
    connectDocker: async () => {
      calls.push('docker');
      return {} as Docker;
    },
    dockerVersion: async () => '27.0.1',
    ensureOfflineImages: async () => void calls.push('images'),
    openLab: () => {
      calls.push('lab');
      return lab;
    },
    runPhase: async (_lab, settings) => {
      const which = settings === OURS ? 'ours' : 'baseline';
      calls.push(`phase ${which}`);
      await fake.io.sleep(60_000);
      return (phases[which] ?? (async () => phase(settings, allFigures(which === 'ours' ? 0 : 1))))();
    },
    teardownOnce,
    writeFile: (file, text) => void written.set(file, text),
    machine: () => ({ cpus: 2, os: 'Linux 6.1', node: 'v20.0.0' }),
  };
  return { deps, calls, out: fake.out, progress: fake.progressTexts, written };
}

test('benchSetup: --quick or full, --trials and --traffic over them; bad input is exit 2', () => {
  expect(benchSetup(OPTS, []).plan).toEqual(FULL_PLAN);
  expect(benchSetup({ ...OPTS, quick: true }, []).plan).toEqual(QUICK_PLAN);
  expect(benchSetup({ ...OPTS, quick: true, trials: 7, traffic: 90_000 }, []).plan).toEqual({
    ...QUICK_PLAN,
    trials: 7,
    trafficMs: 90_000,
  });
  expect(benchSetup({ ...OPTS, traffic: 0 }, []).plan.trafficMs).toBe(FULL_PLAN.trafficMs);
  expect(benchSetup(OPTS, []).where).toEqual(DEFAULT_WHERE);
  expect(() => benchSetup(OPTS, ['extra'])).toThrow(new UsageError('unexpected argument "extra"'));
  expect(() => benchSetup({ ...OPTS, nginxPort: OPTS.consulHttpPort }, [])).toThrow(UsageError);
});

test('trialsArg: a whole number 1-100, anything else is refused with the value', () => {
  expect(trialsArg('1')).toBe(1);
  expect(trialsArg('100')).toBe(100);
  fc.assert(
    fc.property(fc.string(), (v) => {
      const ok = /^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 100;
      if (ok) expect(trialsArg(v)).toBe(Number(v));
      else expect(() => trialsArg(v)).toThrow(UsageError);
    }),
  );
});

test('a run: images, both phases, the JSON, the report; then the lab is taken down and closed', async () => {
  const w = world();
  await expect(runBench({ ...OPTS, quick: true, out: 'bench.json' }, [], w.deps)).resolves.toBe(0);
  expect(w.calls).toEqual(['docker', 'images', 'lab', 'phase ours', 'phase baseline', 'down', 'close']);
  const json = JSON.parse(w.written.get('bench.json')!) as { meta: Record<string, unknown>; details: { ours: { upTrials: unknown } } };
  expect(json.meta).toMatchObject({
    mode: 'quick',
    trials: QUICK_PLAN.trials,
    started: '2026-01-01T00:00:00.000Z',
    wallSeconds: 120,
    machine: { cpus: 2, os: 'Linux 6.1', docker: '27.0.1', consul: '1.20.5', node: 'v20.0.0' },
  });
  expect(json.details.ours.upTrials).toEqual([{ healthyMs: 1234, servingMs: 2001 }]);
  const report = w.out.join('');
  expect(report).toMatch(/^\nFailover and footprint \(quick run: 3 trials per figure, 60 s of client traffic per window\)\n/);
  expect(report).toContain(`ours: ${OURS.summary}; baseline: ${BASELINE.summary}\n\n`);
  expect(w.progress()).toEqual(
    expect.arrayContaining([
      'quick run: 3 trials per figure, 60 s of client traffic per window; project consul-lab-bench, ports 19500/19600/19080, subnet 10.213.77.0/24',
      'wrote bench.json',
      'taking the bench lab down (docker compose -p consul-lab-bench down -v)',
    ]),
  );
  expect(w.progress().at(-1)).toBe('done in 120 s');
});

test('a phase that fails: its error, and the lab is still taken down and closed', async () => {
  const w = world({
    baseline: async () => {
      throw new Error('lab consul-lab-bench: not healthy');
    },
  });
  await expect(runBench(OPTS, [], w.deps)).rejects.toThrow('lab consul-lab-bench: not healthy');
  expect(w.calls.slice(-2)).toEqual(['down', 'close']);
  expect(w.out).toEqual([]);
});

test("the baseline has no registrator figures: null in its JSON, '-' in its column, and the run is complete", async () => {
  const registrator = FIGURE_KEYS.filter((k) => k.startsWith('hardKillEvents') || k.startsWith('hung'));
  expect(registrator).toHaveLength(8);
  const none = Object.fromEntries(registrator.map((k) => [k, Number.NaN]));
  const w = world({
    ours: async () => phase(OURS, { ...allFigures(0), hardKillEventsOutOfNginxP95Ms: 431.6 }),
    baseline: async () => phase(BASELINE, { ...allFigures(1), ...none } as Figures),
  });
  await expect(runBench({ ...OPTS, out: 'bench.json' }, [], w.deps)).resolves.toBe(0);
  const json = JSON.parse(w.written.get('bench.json')!) as Record<string, unknown> & { baseline: Record<string, unknown> };
  expect(json.hardKillEventsOutOfNginxP95Ms).toBe(432);
  for (const k of registrator) expect(json.baseline[k]).toBeNull();
  const report = w.out.join('');
  expect(report).toMatch(/hard kill -> out of Nginx by the die event, p95\s+0\.43 s\s+-\s+-\s+<= 0\.50 s\s+met\n/);
  expect(report).not.toContain('hard kill -> out of Nginx by the die event, p95: '); // not among the targets missed
});

test('an incomplete result is an error, not a report', async () => {
  const w = world({ ours: async () => phase(OURS, { ...allFigures(0), upToHealthyMs: Number.NaN }) });
  await expect(runBench({ ...OPTS, out: 'x.json' }, [], w.deps)).rejects.toThrow(
    /^result is incomplete: result\.upToHealthyMs: not a finite number/,
  );
  expect(w.written.size).toBe(0);
  expect(w.calls.slice(-2)).toEqual(['down', 'close']);
});

test('a failed teardown says how to remove what is left', async () => {
  const w = world({}, true);
  await expect(runBench(OPTS, [], w.deps)).resolves.toBe(0);
  expect(w.progress()).toContain('teardown failed: engine gone; remove what is left with: docker compose -p consul-lab-bench down -v');
});

test('benchReport: the targets missed and the warnings, each on its own line', () => {
  const plan = QUICK_PLAN;
  const none = { graceful: {}, hardKill: {} };
  const met = benchReport('full', plan, { ours: allFigures(0), baseline: allFigures(0) }, { ours: none, baseline: none }, []);
  const missed = benchReport('full', plan, { ours: allFigures(1e9), baseline: allFigures(0) }, { ours: none, baseline: none }, ['w1']);
  expect(met).not.toContain('Warnings:');
  expect(missed).toMatch(/\nTargets missed:\n {2}- /);
  expect(missed.endsWith('\nWarnings:\n  - w1\n')).toBe(true);
});
