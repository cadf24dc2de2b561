import fc from 'fast-check';
import type { BenchLab } from './benchLab';
import { FIGURES } from './figures';
import {
  DEFAULT_FAILOVER_OPTIONS,
  FailoverTrial,
  FailoverWorld,
  classifyAnswer,
  failoverFigures,
  runFailoverTrial,
  runFailoverTrials,
  targetDatacenter,
} from './failoverTrials';
import { BASELINE, OURS } from './settings';

const trial = (failoverMs: number, failbackMs: number, last = 'api-a1'): FailoverTrial => ({
  last,
  startedAt: 0,
  outAt: 0,
  failoverMs,
  backAt: 0,
  failbackMs,
  endedAt: 0,
  dc2Targets: [],
  dc1Targets: [],
});

describe("exercise 8's figures", () => {
  test('failover and failback, nearest-rank p50 and p95', () => {
    expect(failoverFigures([trial(60, 30), trial(45, 900), trial(80, 25)])).toEqual({
      preparedQueryFailoverP50Ms: 60,
      preparedQueryFailoverP95Ms: 80,
      preparedQueryFailbackP50Ms: 30,
      preparedQueryFailbackP95Ms: 900,
    });
  });

  test("the baseline has no trials: every figure NaN (null in the JSON, '-' in the table)", () => {
    const f = failoverFigures([]);
    expect(Object.values(f)).toHaveLength(4);
    for (const v of Object.values(f)) expect(v).toBeNaN();
  });

  test('ours only, in ms, without a target', () => {
    for (const k of Object.keys(failoverFigures([])))
      expect(FIGURES.find((d) => d.key === k)).toEqual(expect.objectContaining({ unit: 'ms', oursOnly: true }));
    for (const d of FIGURES.filter((x) => x.key.startsWith('preparedQuery'))) expect('target' in d).toBe(false);
  });
});

describe("which datacenter the query's DNS answer came from", () => {
  test("Consul's two target forms name the datacenter: <node>.node.<dc>.<domain> and <hex IP>.addr.<dc>.<domain>", () => {
    expect(targetDatacenter('host-c.node.dc2.consul.')).toBe('dc2');
    expect(targetDatacenter('host-a.node.dc1.consul')).toBe('dc1');
    expect(targetDatacenter('0ad54d17.addr.dc2.consul.')).toBe('dc2');
    expect(targetDatacenter('HOST-B.Node.DC1.Consul.')).toBe('dc1');
    expect(targetDatacenter('host-c.node.dc2.lab.example.')).toBe('dc2'); // another domain
    expect(targetDatacenter('host-c.node.default.ap.dc2.dc.consul.')).toBe('dc2'); // with a partition
  });

  test('anything else names none', () => {
    for (const t of [
      '',
      '.',
      'consul.',
      'host-c.node.consul',
      'workshop.service.dc2.consul',
      'host-c..dc2.consul',
      '10.213.77.23',
      'a.node..consul',
    ])
      expect(targetDatacenter(t)).toBeUndefined();
  });

  test('an answer is from one datacenter only when every target names it', () => {
    expect(classifyAnswer([])).toEqual({ kind: 'empty' });
    expect(classifyAnswer(['host-c.node.dc2.consul.', '0ad54d17.addr.dc2.consul.'])).toEqual({ kind: 'dc', dc: 'dc2' });
    expect(classifyAnswer(['host-a.node.dc1.consul.', 'host-c.node.dc2.consul.'])).toEqual({ kind: 'mixed', dcs: ['dc1', 'dc2'] });
    expect(classifyAnswer(['host-a.node.dc1.consul.', 'weird.example.'])).toEqual({ kind: 'unknown', target: 'weird.example.' });
  });

  test('property: any string is read without throwing, as a datacenter label or none; a built target gives its dc', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const dc = targetDatacenter(s);
        expect(dc === undefined || /^[a-z0-9][a-z0-9-]*$/.test(dc)).toBe(true);
      }),
    );
    const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
    fc.assert(
      fc.property(
        label,
        fc.constantFrom('node', 'addr'),
        label,
        fc.array(label, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (x, kind, dc, domain, dot) => {
          fc.pre(dc !== 'dc' && !domain.includes('dc'));
          expect(targetDatacenter(`${x}.${kind}.${dc}.${domain.join('.')}${dot ? '.' : ''}`)).toBe(dc);
        },
      ),
    );
  });
});

/**
 * A simulated dc1 of four instances and dc2 behind the query, on a simulated clock: a stopped instance leaves the
 * passing set 30 ms later, a started one joins it 700 ms later (its first check), and the DNS answer is the query
 * executed on a view `lagMs` old (the WAN RPC, a stale server).
 */
function fakeWorld(opts: { lagMs?: number; dc2Passing?: boolean; neverLeaves?: string } = {}) {
  const lag = opts.lagMs ?? 40;
  let now = 1_000_000;
  const timers: Array<{ at: number; resolve: () => void }> = [];
  const calls: string[] = [];
  const names = ['api-a1', 'api-a2', 'api-b1', 'api-b2'];
  const inst = new Map(names.map((n) => [`c-${n}`, { name: n, passingFrom: 0 as number | null, outFrom: null as number | null }]));
  const passingAt = (t: number): string[] =>
    [...inst.values()]
      .filter((i) => i.passingFrom !== null && i.passingFrom <= t && (i.outFrom === null || t < i.outFrom))
      .map((i) => `workshop-${i.name}`);
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      timers.push({ at: now + ms, resolve });
      setImmediate(() => {
        timers.sort((a, b) => a.at - b.at);
        const t = timers.shift();
        if (!t) return;
        now = Math.max(now, t.at);
        t.resolve();
      });
    });
  const world: FailoverWorld = {
    instances: async () => names.map((n) => ({ name: n, serviceId: `workshop-${n}`, containerId: `c-${n}` })),
    stop: async (id) => {
      calls.push(`stop ${inst.get(id)!.name}`);
      if (inst.get(id)!.name !== opts.neverLeaves) inst.get(id)!.outFrom = now + 30;
      await sleep(100);
    },
    start: async (id) => {
      calls.push(`start ${inst.get(id)!.name}`);
      Object.assign(inst.get(id)!, { passingFrom: now + 700, outFrom: null });
    },
    passing: async () => passingAt(now),
    ask: async () => {
      const dc1 = passingAt(now - lag);
      if (dc1.length) return dc1.map((id) => `${id.includes('-a') ? 'host-a' : 'host-b'}.node.dc1.consul.`);
      return opts.dc2Passing === false ? [] : ['host-c.node.dc2.consul.', 'host-c.node.dc2.consul.'];
    },
    waitServing: async (n) => {
      calls.push(`serving ${n}`);
      while (passingAt(now).length !== n) await sleep(100);
    },
    now: () => now,
    sleep,
  };
  return { world, calls };
}

describe('one failover trial on a simulated lab', () => {
  test('three out, the last out, dc2 answers; the last back, dc1 answers; the rest back; each trial its own last', async () => {
    const f = fakeWorld({ lagMs: 40 });
    const t = await runFailoverTrial(f.world, 1);
    expect(f.calls).toEqual([
      'serving 4',
      'stop api-a1',
      'stop api-b1',
      'stop api-b2',
      'stop api-a2',
      'start api-a2',
      'start api-a1',
      'start api-b1',
      'start api-b2',
      'serving 4',
    ]);
    expect(t.last).toBe('api-a2');
    // The answer lags 40 ms behind the passing set; both are polled every 20 ms, so the figure is 40 ± one poll.
    expect(t.failoverMs).toBeGreaterThanOrEqual(20);
    expect(t.failoverMs).toBeLessThanOrEqual(60);
    expect(t.failbackMs).toBeGreaterThanOrEqual(20);
    expect(t.failbackMs).toBeLessThanOrEqual(60);
    expect(t.dc2Targets).toEqual(['host-c.node.dc2.consul.', 'host-c.node.dc2.consul.']);
    expect(t.dc1Targets).toEqual(['host-a.node.dc1.consul.']);
    expect(t.startedAt).toBeLessThan(t.outAt);
    expect(t.outAt).toBeLessThan(t.backAt);
    expect(t.backAt).toBeLessThanOrEqual(t.endedAt);
  });

  test('a query that never fails over ends the trial with what it last answered', async () => {
    const f = fakeWorld({ dc2Passing: false });
    await expect(runFailoverTrial(f.world, 0, { ...DEFAULT_FAILOVER_OPTIONS, timeoutMs: 2000 })).rejects.toThrow(
      'workshop-nearest.query.consul answering from dc2: not within 2 s (last seen: the query answering no instances)',
    );
  });
});

test('the last instance never leaving: the trial fails at the deadline, and no poll goes on after it', async () => {
  const f = fakeWorld({ neverLeaves: 'api-a1' });
  let asks = 0;
  const ask = f.world.ask;
  f.world.ask = () => ((asks += 1), ask());
  await expect(runFailoverTrial(f.world, 0, { ...DEFAULT_FAILOVER_OPTIONS, timeoutMs: 2000 })).rejects.toThrow(
    /: not within 2 s \(last seen: /,
  );
  const seen = asks;
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  expect(asks).toBe(seen);
});

describe('the failover trials on the bench lab', () => {
  function fake(fail: { trial?: number[]; off?: boolean } = {}) {
    const calls: string[] = [];
    const warnings: string[] = [];
    const lines: string[] = [];
    let attempts = 0;
    const lab = {
      dc2: async (on: boolean, settings: typeof OURS) => {
        calls.push(`dc2 ${on ? 'on' : 'off'} ${settings.name}`);
        if (!on && fail.off) throw new Error('compose rm failed');
      },
    } as Pick<BenchLab, 'dc2'>;
    const steps = {
      trial: async (i: number) => {
        attempts += 1;
        calls.push(`trial ${i}`);
        if (fail.trial?.includes(attempts)) throw new Error(`attempt ${attempts} failed`);
        return trial(50 + i, 30 + i, `api-${i}`);
      },
      bringBack: async () => void calls.push('bring back'),
      waitServing: async (n: number) => void calls.push(`serving ${n}`),
      say: (l: string) => void lines.push(l),
      warn: (l: string) => void warnings.push(l),
    };
    return { lab, steps, calls, warnings, lines };
  }

  test('profile up with the query, n trials, profile down, 4 again', async () => {
    const f = fake();
    const trials = await runFailoverTrials(f.lab, OURS, 2, 4, f.steps);
    expect(trials.map((t) => t.failoverMs)).toEqual([50, 51]);
    expect(f.calls).toEqual(['dc2 on ours', 'serving 4', 'trial 0', 'trial 1', 'dc2 off ours', 'serving 4']);
    expect(f.lines).toEqual([
      "[ours] dc2 profile up (dc2-api-1, dc2-api-2, host-c-agent, host-c, dc2-server-1), query workshop-nearest in place, dc2's instances passing",
      "[ours] failover 1/2: dc1's last instance out → dc2 answers after 50 ms; back home 30 ms after api-0 passing",
      "[ours] failover 2/2: dc1's last instance out → dc2 answers after 51 ms; back home 31 ms after api-1 passing",
      '[ours] dc2 profile removed and query workshop-nearest deleted: 4 instances in Nginx',
    ]);
    expect(f.warnings).toEqual([]);
  });

  test('a failed trial is tried once more after bringing dc1 back', async () => {
    const f = fake({ trial: [2] });
    await expect(runFailoverTrials(f.lab, OURS, 2, 4, f.steps)).resolves.toHaveLength(2);
    expect(f.calls).toEqual(['dc2 on ours', 'serving 4', 'trial 0', 'trial 1', 'bring back', 'trial 1', 'dc2 off ours', 'serving 4']);
    expect(f.warnings).toEqual(['[ours] failover trial 2 attempt 1 failed: attempt 2 failed']);
  });

  test('failing twice ends the run, and the profile is still taken down', async () => {
    const f = fake({ trial: [1, 2] });
    await expect(runFailoverTrials(f.lab, OURS, 3, 4, f.steps)).rejects.toThrow('attempt 2 failed');
    expect(f.calls).toEqual(['dc2 on ours', 'serving 4', 'trial 0', 'bring back', 'trial 0', 'dc2 off ours', 'serving 4']);
    expect(f.warnings).toHaveLength(2);
  });

  test('a failed take-down is a warning, not the end of the run', async () => {
    const f = fake({ off: true });
    await expect(runFailoverTrials(f.lab, BASELINE, 1, 4, f.steps)).resolves.toHaveLength(1);
    expect(f.warnings).toEqual(['[baseline] taking the dc2 profile down failed: compose rm failed']);
    expect(f.calls.at(-1)).toBe('dc2 off baseline');
  });
});
