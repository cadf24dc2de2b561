import fc from 'fast-check';
import { type InstanceInfo, type LiveStatus, type Observation, ServiceHistory } from './history';

const info = (port = 1): InstanceInfo => ({ node: 'host-a', address: '10.0.0.1', port, version: 'v1' });
const obs = (id: string, status: LiveStatus = 'passing', port = 1): Observation => ({ id, status, info: info(port) });

test('a status change closes the open segment and opens the next at the same moment', () => {
  const h = new ServiceHistory();
  expect(h.observe([obs('a')], 1000)).toBe(true);
  expect(h.observe([obs('a')], 2000)).toBe(false);
  expect(h.observe([obs('a', 'critical')], 3000)).toBe(true);
  expect(h.snapshot()[0]!.segments).toEqual([
    { status: 'passing', from: 1000, to: 3000 },
    { status: 'critical', from: 3000, to: null },
  ]);
});

test('an instance missing from an answer is absent from then on, and a return opens a new live segment', () => {
  const h = new ServiceHistory();
  h.observe([obs('a'), obs('b')], 1000);
  h.observe([obs('b')], 2000);
  h.observe([obs('a'), obs('b')], 4000);
  const a = h.snapshot().find((t) => t.id === 'a')!;
  expect(a.segments.map((s) => s.status)).toEqual(['passing', 'absent', 'passing']);
  expect(a.segments[1]).toEqual({ status: 'absent', from: 2000, to: 4000 });
});

test('what ended before the window is forgotten, and a long-gone instance with it', () => {
  const h = new ServiceHistory({ windowMs: 10_000, maxInstances: 10, maxSegments: 10 });
  h.observe([obs('a'), obs('b')], 0);
  h.observe([obs('b')], 1000);
  h.observe([obs('b')], 20_000);
  expect(h.snapshot().map((t) => t.id)).toEqual(['b']);
});

test('IDs that are object keys in disguise are ordinary IDs', () => {
  const h = new ServiceHistory();
  h.observe([obs('__proto__'), obs('constructor'), obs('toString')], 1);
  expect(h.snapshot().map((t) => t.id)).toEqual(['__proto__', 'constructor', 'toString']);
});

test('a changed port or version is taken over, and counts as a change', () => {
  const h = new ServiceHistory();
  h.observe([obs('a', 'passing', 1)], 1);
  expect(h.observe([obs('a', 'passing', 2)], 2)).toBe(true);
  expect(h.snapshot()[0]!.info.port).toBe(2);
});

// Any sequence of answers with any IDs (Consul's are arbitrary strings), times that may even step back:
// the history stays well-formed and within its caps, and says the truth about the last answer.
test('property: any answers keep segments contiguous, bounded, and the last status true', () => {
  const limits = { windowMs: 5000, maxInstances: 8, maxSegments: 6 };
  const status = fc.constantFrom<LiveStatus>('passing', 'warning', 'critical');
  const answer = fc.record({
    dt: fc.integer({ min: -50, max: 3000 }),
    items: fc.array(fc.record({ id: fc.oneof(fc.string(), fc.constantFrom('a', 'b', '__proto__', '')), status }), { maxLength: 12 }),
  });
  fc.assert(
    fc.property(fc.array(answer, { maxLength: 25 }), (answers) => {
      const h = new ServiceHistory(limits);
      let now = 1_000_000;
      for (const a of answers) {
        now += a.dt;
        h.observe(
          a.items.map((i) => obs(i.id, i.status)),
          now,
        );
        const tracks = h.snapshot();
        expect(tracks.length).toBeLessThanOrEqual(limits.maxInstances);
        const last = new Map(a.items.map((i) => [i.id, i.status]));
        for (const t of tracks) {
          expect(t.segments.length).toBeGreaterThan(0);
          expect(t.segments.length).toBeLessThanOrEqual(limits.maxSegments);
          t.segments.forEach((s, i) => {
            const next = t.segments[i + 1];
            if (next) {
              expect(s.to).toBe(next.from);
              expect(s.status).not.toBe(next.status);
            } else expect(s.to).toBeNull();
            if (s.to !== null) expect(s.to).toBeGreaterThanOrEqual(s.from);
          });
          expect(t.segments[0]!.status === 'absent' && t.segments.length === 1).toBe(false);
          expect(t.segments[t.segments.length - 1]!.status).toBe(last.get(t.id) ?? 'absent');
        }
        // Every instance of the last answer is shown unless the cap had to drop some.
        if (last.size <= limits.maxInstances) for (const id of last.keys()) expect(tracks.some((t) => t.id === id)).toBe(true);
      }
    }),
    { numRuns: 150 },
  );
});
