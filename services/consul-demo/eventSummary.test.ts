import { EventSummary } from './eventSummary';

const lines: Array<[string, Record<string, unknown>]> = [];
const summary = (windowMs: number) =>
  new EventSummary((msg, fields) => lines.push([msg, fields]), {
    first: 'closed a connection',
    summary: 'closed connections',
    kindField: 'reason',
    countsField: 'reasons',
    windowMs,
  });
beforeEach(() => {
  lines.splice(0);
  jest.useFakeTimers();
});
afterEach(() => jest.useRealTimers());

test('the first event is logged at once; the rest of the window is one summary line with counts per kind', () => {
  const s = summary(10_000);
  s.record('idle timeout', { peer: '127.0.0.1:1' });
  for (let i = 0; i < 9999; i++) s.record(i % 3 ? 'idle timeout' : 'binary data');
  expect(lines).toEqual([['closed a connection', { reason: 'idle timeout', peer: '127.0.0.1:1' }]]);
  jest.advanceTimersByTime(10_000);
  expect(lines).toHaveLength(2);
  expect(lines[1]).toEqual([
    'closed connections',
    { count: 9999, reasons: { 'idle timeout': 6666, 'binary data': 3333 }, windowMs: 10_000 },
  ]);
});

test('continuous events: one summary per window; after a quiet window the next event is logged at once again', () => {
  const s = summary(1000);
  for (let t = 0; t < 5000; t += 100) {
    s.record('refused');
    jest.advanceTimersByTime(100);
  }
  // 1 first line + one summary per elapsed window (the last one may still be open)
  expect(lines.filter(([m]) => m === 'closed a connection')).toHaveLength(1);
  expect(lines.filter(([m]) => m === 'closed connections').length).toBeGreaterThanOrEqual(4);
  expect(lines.length).toBeLessThanOrEqual(6);
  jest.advanceTimersByTime(5000);
  const before = lines.length;
  s.record('refused');
  expect(lines).toHaveLength(before + 1);
  expect(lines[lines.length - 1]![0]).toBe('closed a connection');
});

test('flush logs what is counted and nothing when nothing is', () => {
  const s = summary(60_000);
  s.flush();
  expect(lines).toEqual([]);
  s.record('a');
  s.record('b');
  s.record('b');
  s.flush();
  expect(lines[1]).toEqual(['closed connections', { count: 2, reasons: { b: 2 }, windowMs: 60_000 }]);
});
