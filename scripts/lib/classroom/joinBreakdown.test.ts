import { findJoinBreakdown, formatJoinBreakdown, JOIN_PHASES, JoinTimer, parseJoinBreakdown, type JoinBreakdown } from './joinBreakdown';

/** A clock the test moves. */
function clock(start = 5_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

test('JoinTimer: each phase is the time since the previous end; the phases add up to the total', () => {
  const c = clock();
  const timer = new JoinTimer(c.now);
  const steps = [200, 400, 50, 100, 1800, 2100, 300, 1900, 2400];
  JOIN_PHASES.forEach((p, i) => {
    c.advance(steps[i]!);
    timer.end(p.key);
  });
  const b = timer.breakdown();
  expect(b.phases.map((p) => [p.phase, p.ms])).toEqual(JOIN_PHASES.map((p, i) => [p.key, steps[i]]));
  expect(b.totalMs).toBe(9250);
  expect(b.phases.reduce((sum, p) => sum + p.ms, 0)).toBe(b.totalMs);
});

test('JoinTimer: a phase seen in the same look as a later one takes 0 ms; a phase keeps its first end', () => {
  const c = clock();
  const timer = new JoinTimer(c.now);
  c.advance(300);
  timer.end('enrol'); // joinInfo was never marked on its own: it ends with enrol
  c.advance(700);
  timer.end('enrol'); // too late: ignored
  timer.end('servers');
  expect(timer.has('joinInfo')).toBe(true);
  expect(timer.has('images')).toBe(false);
  expect(timer.breakdown()).toEqual({
    phases: [
      { phase: 'joinInfo', label: 'join info', ms: 300 },
      { phase: 'enrol', label: 'enrol', ms: 0 },
      { phase: 'servers', label: 'servers answer', ms: 700 },
    ],
    totalMs: 1000,
  });
});

const b = (...ms: number[]): JoinBreakdown => ({
  phases: ms.map((m, i) => ({ phase: JOIN_PHASES[i]!.key, label: JOIN_PHASES[i]!.label, ms: m })),
  totalMs: ms.reduce((s, m) => s + m, 0),
});

test('formatJoinBreakdown: tenths that add up to the total even where rounding each phase would not', () => {
  // 0.15 + 0.15 + 0.15 = 0.45: each rounded alone would say 0.2 + 0.2 + 0.2 = 0.6, against a total of 0.5.
  expect(formatJoinBreakdown(b(150, 150, 150))).toBe('join breakdown: join info 0.2 s · enrol 0.1 s · servers answer 0.2 s = 0.5 s');
  expect(formatJoinBreakdown(b(200, 400, 100, 100, 1800, 2100, 300, 1900, 2400))).toBe(
    'join breakdown: join info 0.2 s · enrol 0.4 s · servers answer 0.1 s · images 0.1 s · containers up 1.8 s · agent joined 2.1 s · ' +
      'registered 0.3 s · first passing check 1.9 s · on the page 2.4 s = 9.3 s',
  );
});

test('parseJoinBreakdown: the line back into data, phases adding up to the total', () => {
  const line = formatJoinBreakdown(b(150, 150, 150, 40, 1234, 2000, 260, 990, 2444));
  const parsed = parseJoinBreakdown(`  ${line}  `)!;
  expect(parsed.phases.map((p) => p.phase)).toEqual(JOIN_PHASES.map((p) => p.key));
  expect(parsed.phases.map((p) => p.ms)).toEqual([200, 100, 200, 0, 1200, 2000, 300, 1000, 2400]);
  expect(parsed.totalMs).toBe(7400);
  expect(parsed.phases.reduce((s, p) => s + p.ms, 0)).toBe(parsed.totalMs);
});

test.each([
  ['another line', '"alice" is on the page after 3.0 s'],
  ['an unknown phase', 'join breakdown: join info 0.2 s · coffee 1.0 s = 1.2 s'],
  ['no total', 'join breakdown: join info 0.2 s'],
  ['not a number', 'join breakdown: join info x s = 0.2 s'],
])('parseJoinBreakdown: %s is not a breakdown', (_what, line) => {
  expect(parseJoinBreakdown(line)).toBeUndefined();
});

test("findJoinBreakdown: the breakdown among lab:join's lines", () => {
  const out = ['Joining the class of 192.168.1.20 as "alice"', formatJoinBreakdown(b(100, 200)), 'Leave the class: npm run lab:leave'].join(
    '\n',
  );
  expect(findJoinBreakdown(out)).toEqual(b(100, 200));
  expect(findJoinBreakdown('nothing here\n')).toBeUndefined();
});
