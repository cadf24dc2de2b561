import type { BenchLab } from './benchLab';
import { REGISTRATOR_KINDS, registratorFigures, runRegistratorTrials } from './registratorTrials';
import { BASELINE, OURS } from './settings';
import { DEFAULT_TRIAL_OPTIONS, STOP_ACTIONS, type StopKind, type StopTrial, type TrialOptions } from './stopTrials';

const trial = (kind: StopKind, outOfConsulMs: number, outOfNginxMs: number): StopTrial =>
  ({ kind, target: 'api-b3', outOfConsulMs, outOfNginxMs }) as StopTrial;

describe("the registrator's figures", () => {
  test('from the events and hung trials only, nearest-rank p50 and p95', () => {
    const trials = [
      trial('graceful', 90, 400),
      trial('hard', 600, 900),
      trial('events', 40, 450),
      trial('events', 60, 380),
      trial('events', 50, 520),
      trial('hung', 1300, 1700),
      trial('hung', 900, 1500),
      trial('hung', 1100, 2000),
    ];
    expect(registratorFigures(trials)).toEqual({
      hardKillEventsOutOfConsulP50Ms: 50,
      hardKillEventsOutOfConsulP95Ms: 60,
      hardKillEventsOutOfNginxP50Ms: 450,
      hardKillEventsOutOfNginxP95Ms: 520,
      hungOutOfConsulP50Ms: 1100,
      hungOutOfConsulP95Ms: 1300,
      hungOutOfNginxP50Ms: 1700,
      hungOutOfNginxP95Ms: 2000,
    });
  });

  test("the baseline's trials have none: every figure NaN (null in the JSON, '-' in the table)", () => {
    const f = registratorFigures([trial('graceful', 90, 400), trial('hard', 600, 900)]);
    expect(Object.values(f)).toHaveLength(8);
    for (const v of Object.values(f)) expect(v).toBeNaN();
  });
});

test('the kinds: a die event (SIGKILL, the container exits) and a hang (SIGSTOP, the container keeps running)', () => {
  expect(REGISTRATOR_KINDS).toEqual(['events', 'hung']);
  expect(STOP_ACTIONS.events).toMatchObject({ label: 'registrator hard kill', exits: true });
  expect(STOP_ACTIONS.hung).toMatchObject({ label: 'registrator hung process', exits: false });
  expect(STOP_ACTIONS.events.act).toBe(STOP_ACTIONS.hard.act);
});

describe('the registrator trials on the bench lab', () => {
  function fake(fail: { trial?: StopKind; off?: boolean } = {}) {
    const calls: string[] = [];
    const warnings: string[] = [];
    const lines: string[] = [];
    const lab = {
      registrator: async (on: boolean, settings: typeof OURS) => {
        calls.push(`registrator ${on ? 'on' : 'off'} ${settings.name}`);
        if (!on && fail.off) throw new Error('compose rm failed');
      },
    } as Pick<BenchLab, 'registrator'>;
    const steps = {
      trials: async (kind: StopKind, opts: TrialOptions) => {
        calls.push(`trials ${kind} expected ${opts.expected} target ${opts.targetService ?? 'any'}`);
        expect(opts.timeoutMs).toBe(DEFAULT_TRIAL_OPTIONS.timeoutMs);
        if (fail.trial === kind) throw new Error(`${kind} trial failed`);
      },
      waitServing: async (n: number) => void calls.push(`serving ${n}`),
      say: (l: string) => void lines.push(l),
      warn: (l: string) => void warnings.push(l),
    };
    return { lab, steps, calls, warnings, lines };
  }

  test('profile up, 5 instances serving, the kills then the hangs of api-b3, profile down, 4 again', async () => {
    const f = fake();
    await runRegistratorTrials(f.lab, OURS, 4, f.steps);
    expect(f.calls).toEqual([
      'registrator on ours',
      'serving 5',
      'trials events expected 5 target workshop-api-b3',
      'trials hung expected 5 target workshop-api-b3',
      'registrator off ours',
      'serving 4',
    ]);
    expect(f.lines).toEqual([
      '[ours] registrator profile up (workshop-api-b3, registrator): 5 instances in Nginx',
      '[ours] registrator profile removed: 4 instances in Nginx',
    ]);
    expect(f.warnings).toEqual([]);
  });

  test('a failed trial still takes the profile down, and its error is the one thrown', async () => {
    const f = fake({ trial: 'events' });
    await expect(runRegistratorTrials(f.lab, OURS, 4, f.steps)).rejects.toThrow('events trial failed');
    expect(f.calls).toEqual([
      'registrator on ours',
      'serving 5',
      'trials events expected 5 target workshop-api-b3',
      'registrator off ours',
      'serving 4',
    ]);
  });

  test('a failed take-down is a warning, not the end of the run', async () => {
    const f = fake({ off: true });
    await expect(runRegistratorTrials(f.lab, BASELINE, 4, f.steps)).resolves.toBeUndefined();
    expect(f.warnings).toEqual(['[baseline] taking the registrator profile down failed: compose rm failed']);
    expect(f.calls.at(-1)).toBe('registrator off baseline');
  });
});
