import { codeThrottle, maxCheckWaitMs, sharedAddressWatch, type CheckOutcome, type CodeThrottleOptions } from './codeThrottle';

/** A fake clock: timers run only when the test advances it. */
function fakeClock() {
  let t = 1_000_000;
  let timers: Array<{ at: number; fn: () => void }> = [];
  return {
    now: () => t,
    setTimer: (fn: () => void, ms: number) => {
      timers.push({ at: t + ms, fn });
    },
    get pending() {
      return timers.length;
    },
    /** Moves time on by `ms`, running each due timer at its time (and the promise jobs it starts). */
    async advance(ms: number) {
      const end = t + ms;
      for (;;) {
        await flush();
        const due = timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((x) => x !== due);
        t = Math.max(t, due.at);
        due.fn();
      }
      t = end;
      await flush();
    },
  };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

/** A check whose outcome the test can look at without awaiting it. */
function track(p: Promise<CheckOutcome>) {
  const r: { outcome?: CheckOutcome } = {};
  void p.then((o) => (r.outcome = o));
  return r;
}

const RIGHT = () => true;
const WRONG = () => false;

describe('codeThrottle', () => {
  let clock: ReturnType<typeof fakeClock>;
  let opts: CodeThrottleOptions;
  beforeEach(() => {
    clock = fakeClock();
    opts = { now: clock.now, setTimer: clock.setTimer };
  });

  it('right codes pass at once, as many as come, and leave nothing tracked (a room behind one NAT)', async () => {
    const th = codeThrottle(opts);
    const all = Array.from({ length: 50 }, () => track(th.check('nat', RIGHT)));
    await flush();
    expect(all.every((r) => r.outcome?.kind === 'right')).toBe(true);
    expect(th.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a wrong code delays the next check from that address by 1 s, not other addresses', async () => {
    const th = codeThrottle(opts);
    expect(await th.check('a', WRONG)).toEqual({ kind: 'wrong' });
    const next = track(th.check('a', RIGHT));
    const other = track(th.check('b', RIGHT));
    await flush();
    expect(other.outcome).toEqual({ kind: 'right' });
    expect(next.outcome).toBeUndefined();
    await clock.advance(999);
    expect(next.outcome).toBeUndefined();
    await clock.advance(1);
    expect(next.outcome).toEqual({ kind: 'right' });
    // Forgotten once its delay has passed.
    expect(th.size).toBe(0);
  });

  it('many connections from one address: at most one wrong guess a second', async () => {
    const th = codeThrottle(opts);
    const evaluated: number[] = [];
    const guess = () => {
      evaluated.push(clock.now());
      return false;
    };
    const all = Array.from({ length: 20 }, () => track(th.check('mallory', guess)));
    await clock.advance(10_000);
    // 0 s, 1 s, ... 10 s: eleven checks in ten seconds, each at least 1 s after the one before.
    expect(evaluated).toHaveLength(11);
    for (let i = 1; i < evaluated.length; i++) expect(evaluated[i]! - evaluated[i - 1]!).toBeGreaterThanOrEqual(1000);
    await clock.advance(20_000);
    expect(all.every((r) => r.outcome?.kind === 'wrong')).toBe(true);
    await clock.advance(1000);
    expect(th.size).toBe(0);
  });

  it('a right code behind wrong ones waits for the queue ahead, then passes; the wrong codes cost it nothing more', async () => {
    const th = codeThrottle(opts);
    for (let i = 0; i < 3; i++) void th.check('nat', WRONG);
    const student = track(th.check('nat', RIGHT));
    const after = track(th.check('nat', RIGHT));
    await clock.advance(2999);
    expect(student.outcome).toBeUndefined();
    await clock.advance(1);
    expect(student.outcome).toEqual({ kind: 'right' });
    // A right code does not push the next check.
    expect(after.outcome).toEqual({ kind: 'right' });
  });

  it('past a 30 s backlog: refused with Retry-After, the code not even compared; then accepted again', async () => {
    const th = codeThrottle(opts);
    for (let i = 0; i < 31; i++) void th.check('mallory', WRONG);
    let compared = false;
    const refused = await th.check('mallory', () => (compared = true));
    expect(refused).toEqual({ kind: 'refused', reason: 'backlog', retryAfterSecs: 1 });
    expect(compared).toBe(false);
    // More hammering: the Retry-After grows with the backlog (it still never exceeds ~30 s of wait).
    await clock.advance(1000);
    const right = track(th.check('mallory', RIGHT));
    expect(maxCheckWaitMs()).toBe(31_000);
    await clock.advance(maxCheckWaitMs());
    expect(right.outcome).toEqual({ kind: 'right' });
  });

  it('bounded memory: at most maxTracked addresses; the oldest with nothing queued is forgotten first; full = refused', async () => {
    const th = codeThrottle({ ...opts, maxTracked: 2 });
    await th.check('a', WRONG);
    await th.check('b', WRONG);
    expect(th.size).toBe(2);
    await th.check('c', WRONG); // forgets a
    expect(th.size).toBe(2);
    expect((await th.check('a', RIGHT)).kind).toBe('right'); // a's delay is gone; b is forgotten for it
    // Two addresses with checks queued: a third cannot be tracked.
    const th2 = codeThrottle({ ...opts, maxTracked: 2 });
    await th2.check('x', WRONG);
    void th2.check('x', RIGHT);
    await th2.check('y', WRONG);
    void th2.check('y', RIGHT);
    expect(await th2.check('z', RIGHT)).toEqual({ kind: 'refused', reason: 'full', retryAfterSecs: 1 });
    await clock.advance(1000);
    expect(th2.size).toBe(0);
  });

  it('a comparison that throws counts as wrong', async () => {
    const th = codeThrottle(opts);
    expect(
      await th.check('a', () => {
        throw new Error('x');
      }),
    ).toEqual({ kind: 'wrong' });
  });
});

describe('sharedAddressWatch', () => {
  it('says once, when right codes for 3 names came from one address', () => {
    const seen = sharedAddressWatch();
    expect(seen('10.0.0.1', 'alice')).toBe(false);
    expect(seen('10.0.0.2', 'bob')).toBe(false);
    expect(seen('10.0.0.1', 'Alice')).toBe(false); // the same name
    expect(seen('10.0.0.1', 'bob')).toBe(false);
    expect(seen('10.0.0.1', 'carol')).toBe(true);
    expect(seen('10.0.0.1', 'dave')).toBe(false);
    expect(seen('10.0.0.3', 'x')).toBe(false);
  });

  it('tracks at most maxTracked addresses', () => {
    const seen = sharedAddressWatch(2, 2);
    seen('a', 'n1');
    seen('b', 'n1');
    seen('c', 'n1'); // forgets a
    expect(seen('a', 'n2')).toBe(false);
    expect(seen('c', 'n2')).toBe(true);
  });
});
