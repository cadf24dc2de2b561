import { formatSeconds } from '../term/table';
import type { Timeline } from '../term/timeline';
import { runExperiment, runTimedExperiment, timelineTitle, type TimedExperiment } from './engine';
import { fakeCommandIo } from '../lab/testdata/fakeCommandIo';
import type { TimedEvent } from './watch';

describe('runExperiment', () => {
  it('runs snapshot → expect (printed) → act → watch → report (printed) in order, and returns the exit code', async () => {
    const { io, output } = fakeCommandIo();
    const phases: string[] = [];
    const code = await runExperiment(
      {
        snapshot: async () => (phases.push('snapshot'), 2),
        expect: (n) => (phases.push('expect'), [`about to do ${n} things`]),
        act: async (n) => void phases.push(`act ${n}`),
        watch: async () => (phases.push('watch'), 'seen'),
        report: async (n, w) => (phases.push('report'), { lines: [`${n} ${w}`], exitCode: 3 }),
      },
      io,
    );
    expect(phases).toEqual(['snapshot', 'expect', 'act 2', 'watch', 'report']);
    expect(output()).toBe('about to do 2 things\n2 seen\n');
    expect(code).toBe(3);
  });
  it('acts on nothing when the snapshot fails', async () => {
    const act = jest.fn();
    await expect(
      runExperiment(
        {
          snapshot: () => Promise.reject(new Error('no lab')),
          expect: () => [],
          act,
          watch: async () => 0,
          report: async () => ({ lines: [], exitCode: 0 }),
        },
        fakeCommandIo().io,
      ),
    ).rejects.toThrow('no lab');
    expect(act).not.toHaveBeenCalled();
  });
});

/** A timed experiment whose "lab" shows event `a` on the 2nd look and `b` on the 3rd (or never). */
function experiment(over: Partial<TimedExperiment<string>> = {}, bNever = false): TimedExperiment<string> {
  let looks = 0;
  return {
    snapshot: async () => 'before',
    intro: (b) => [`Doing it (${b})`],
    start: { key: 'sent', label: 'thing sent' },
    expected: () => [
      { key: 'a', label: 'a happened' },
      { key: 'b', label: 'b happened' },
    ],
    act: async () => undefined,
    actTiming: 'await',
    look: async (t: Timeline): Promise<TimedEvent[]> => {
      looks++;
      const ev: TimedEvent[] = [];
      if (looks >= 2) ev.push({ key: 'a', label: 'a happened (really)', atMs: t.elapsedMs() });
      if (looks >= 3 && !bNever) ev.push({ key: 'b', label: 'b happened', atMs: t.elapsedMs() });
      return ev;
    },
    pollMs: 100,
    timeoutMs: 1_000,
    title: 'Timeline (test)',
    notSeen: 'not seen in 1.0 s',
    ...over,
  };
}

describe('runTimedExperiment', () => {
  it('prints the intro, each event as it is seen, then the timeline and the outro; exit 0 when all were seen', async () => {
    const { io, output } = fakeCommandIo();
    const code = await runTimedExperiment(experiment({ outro: async (_b, _t, say) => say('Bring it back: x') }), io);
    expect(code).toBe(0);
    expect(output()).toBe(
      [
        'Doing it (before)',
        '  [  0.1 s] a happened (really)',
        '  [  0.2 s] b happened',
        '',
        'Timeline (test)',
        '  AFTER  EVENT',
        '  0.0 s  thing sent',
        '  0.1 s  a happened (really)',
        '  0.2 s  b happened',
        '',
        'Bring it back: x',
        '',
      ].join('\n'),
    );
  });

  it('says "not seen" and exits 1 when the timeout passes first; no outro, no blank line after the table', async () => {
    const { io, output } = fakeCommandIo();
    expect(await runTimedExperiment(experiment({}, true), io)).toBe(1);
    expect(output()).toMatch(/ 0\.1 s {2}a happened \(really\)\n *not seen in 1\.0 s {2}b happened\n$/);
  });

  it('marks what the snapshot already shows at 0 s with the note, and never waits for it', async () => {
    const { io, output } = fakeCommandIo();
    const code = await runTimedExperiment(
      experiment({ already: { events: (b) => [{ key: 'b', label: `b happened (${b})` }], note: 'already before the act' } }),
      io,
    );
    expect(code).toBe(0);
    expect(output()).toContain('  [  0.0 s] b happened (before) (already before the act)\n');
    expect(output()).toContain('  0.0 s  b happened (before) (already before the act)\n');
  });

  it("starts the clock before an awaited action: the action's own time counts", async () => {
    const f = fakeCommandIo();
    await runTimedExperiment(experiment({ act: async () => f.advance(500) }), f.io);
    expect(f.output()).toContain('  [  0.6 s] a happened (really)');
  });

  it('starts the clock after a then-clock action and says how long it took', async () => {
    const f = fakeCommandIo();
    await runTimedExperiment(experiment({ act: async () => f.advance(300), actTiming: 'then-clock' }), f.io);
    expect(f.output()).toContain('Doing it (before)\n  [  0.0 s] thing sent (docker took 300 ms)\n  [  0.1 s] a happened (really)');
  });

  it('lets a background action run on, and ends the watch with its failure', async () => {
    const { io } = fakeCommandIo();
    let fail: (e: Error) => void = () => undefined;
    const act = (): Promise<void> => new Promise((_, reject) => (fail = reject));
    let looks = 0;
    // The first look happens while the action has not returned; it then fails, and the next round ends the watch.
    const look = async (): Promise<TimedEvent[]> => (looks++ === 0 && fail(new Error('no such container')), []);
    await expect(
      runTimedExperiment(
        experiment({ act, look, actTiming: 'background', actFailed: (e) => new Error(`docker stop x: ${e.message}`) }),
        io,
      ),
    ).rejects.toThrow('docker stop x: no such container');
    expect(looks).toBe(1);
  });
});

describe('timelineTitle', () => {
  it('says the poll interval and the precision it gives', () => {
    expect(timelineTitle('graceful stop of api-a1', 100, formatSeconds)).toBe(
      'Timeline (graceful stop of api-a1; polled every 100 ms, so each time is exact to about 0.2 s)',
    );
  });
});
