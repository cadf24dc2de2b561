import fc from 'fast-check';
import { Timeline } from '../term/timeline';
import { fakeCommandIo } from '../lab/testdata/fakeCommandIo';
import { markAlready, pendingSidesOf, readSides, timeBySide, watchTimeline, type TimedEvent } from './watch';

type Side = 'a' | 'b' | 'c';
const sideOf = (k: string): Side | undefined => (k === 'a' || k === 'b' || k === 'c' ? k : k === 'a2' ? 'a' : undefined);

describe('readSides', () => {
  it('reads only the wanted sides, stamps each answer, and leaves a failed side unstamped', async () => {
    let t = 100;
    const read: string[] = [];
    const at = await readSides<Side>(
      new Set(['a', 'b']),
      {
        a: async () => void read.push('a'),
        b: async () => Promise.reject(new Error('down')),
        c: async () => void read.push('c'),
      },
      () => (t += 5),
    );
    expect(read).toEqual(['a']);
    expect(at).toEqual({ a: 105 });
  });
  it('skips a side without a reader', async () => {
    expect(await readSides<Side>(new Set(['a', 'b']), { b: async () => undefined }, () => 7)).toEqual({ b: 7 });
  });
});

describe('timeBySide', () => {
  it('times an event no side shows by the fallback', () => {
    expect(timeBySide([{ key: 'x', label: 'no side' }], { a: 5 }, sideOf, (e) => e, 999)).toEqual([
      { key: 'x', label: 'no side', atMs: 999 },
    ]);
  });
  it('returns the same events, each once, sorted by time (property)', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'x');
    fc.assert(
      fc.property(
        fc.array(fc.record({ key, label: fc.string() })),
        fc.record({ a: fc.nat(), b: fc.nat(), c: fc.nat() }, { requiredKeys: [] }),
        fc.nat(),
        (events, at, fallback) => {
          const got = timeBySide(events, at, sideOf, (e) => e, fallback);
          expect(got).toHaveLength(events.length);
          for (let i = 1; i < got.length; i++) expect(got[i - 1]!.atMs).toBeLessThanOrEqual(got[i]!.atMs);
          expect(got.map((e) => e.label).sort()).toEqual(events.map((e) => e.label).sort());
        },
      ),
    );
  });
});

describe('pendingSidesOf', () => {
  it('asks only the sides of pending events, under a key prefix when several share a timeline', () => {
    const t = new Timeline();
    t.expect('x/a', '').expect('x/b', '').expect('y/c', '').expect('x/zzz', '');
    t.mark('x/b');
    expect([...pendingSidesOf(t, sideOf, 'x/')]).toEqual(['a']);
    expect([...pendingSidesOf(t, sideOf)]).toEqual([]);
  });
});

describe('watchTimeline', () => {
  it('marks each event once, as first seen, and stops as soon as all are seen', async () => {
    const { io } = fakeCommandIo();
    const t = new Timeline(io.now);
    t.expect('a', 'A').expect('b', 'B');
    const rounds: TimedEvent[][] = [
      [{ key: 'a', label: 'A seen', atMs: 10 }],
      [{ key: 'a', label: 'A again', atMs: 20 }],
      [{ key: 'b', label: 'B seen', atMs: 30 }],
    ];
    let looks = 0;
    const seen: string[] = [];
    await watchTimeline(t, async () => rounds[looks++] ?? [], {
      timeoutMs: 10_000,
      pollMs: 100,
      sleep: io.sleep,
      onEvent: (ms, l) => seen.push(`${ms} ${l}`),
    });
    expect(looks).toBe(3);
    expect(seen).toEqual(['10 A seen', '30 B seen']);
    expect(t.done()).toBe(true);
  });
  it('gives up at the timeout with the rest pending', async () => {
    const { io } = fakeCommandIo();
    const t = new Timeline(io.now);
    t.expect('a', 'A');
    let looks = 0;
    await watchTimeline(t, async () => (looks++, []), { timeoutMs: 1_000, pollMs: 100, sleep: io.sleep });
    expect(looks).toBe(10);
    expect(t.pending().map((e) => e.key)).toEqual(['a']);
  });
  // beforeRound ending the watch: ../workshop/watch.test.ts (watchUntilDone) and engine.test.ts (a background action).
});

describe('markAlready', () => {
  it('marks pending events at 0 with the note, and nothing that is not expected or already seen', () => {
    const t = new Timeline();
    t.expect('a', 'A').expect('b', 'B');
    t.mark('b', 'B', 5);
    const onEvent = jest.fn();
    const events = ['a', 'b', 'z'].map((key) => ({ key, label: `${key} seen` }));
    expect(markAlready(t, events, 'already before', onEvent)).toEqual([events[0]]);
    expect(onEvent.mock.calls).toEqual([[0, 'a seen (already before)']]);
    expect(t.at('b')).toBe(5);
    expect(t.has('z')).toBe(false);
  });
});
