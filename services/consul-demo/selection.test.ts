import { Instance, instanceKey } from './discovery/types';
import { randomSelector, roundRobinSelector } from './selection';

const inst = (port: number): Instance => ({ serviceId: `s${port}`, address: '10.0.0.1', port, protocol: 'v1' });
const a = inst(1001);
const b = inst(1002);
const c = inst(1003);

test('nothing to pick from', () => {
  expect(randomSelector().pick([])).toBeUndefined();
  expect(roundRobinSelector().pick([])).toBeUndefined();
});

test('random picks by the random source', () => {
  expect(randomSelector(() => 0).pick([a, b, c])).toBe(a);
  expect(randomSelector(() => 0.999).pick([a, b, c])).toBe(c);
  const seen = new Set<number>();
  const sel = randomSelector();
  for (let i = 0; i < 200; i++) seen.add(sel.pick([a, b, c])!.port);
  expect(seen.size).toBe(3);
});

test('round-robin visits every instance in turn, whatever order the answer came in', () => {
  const sel = roundRobinSelector();
  const picks = [sel.pick([c, a, b]), sel.pick([b, c, a]), sel.pick([a, b, c]), sel.pick([c, b, a])].map((i) => i!.port);
  expect(picks).toEqual([1001, 1002, 1003, 1001]);
});

test('"avoid" steers away from a failed instance while there is another', () => {
  const avoid = new Set([instanceKey(a)]);
  for (let i = 0; i < 20; i++) expect(randomSelector().pick([a, b], avoid)).toBe(b);
  expect(roundRobinSelector().pick([a, b], avoid)).toBe(b);
  // Only the failed one left: pick it anyway (the caller decides whether that is worth it).
  expect(randomSelector().pick([a], avoid)).toBe(a);
});
