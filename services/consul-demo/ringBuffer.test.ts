import fc from 'fast-check';
import { RingBuffer } from './ringBuffer';

test('keeps the last items, oldest first', () => {
  const r = new RingBuffer<number>(3);
  expect(r.toArray()).toEqual([]);
  r.push(1);
  r.push(2);
  expect(r.toArray()).toEqual([1, 2]);
  r.push(3);
  r.push(4);
  r.push(5);
  expect(r.toArray()).toEqual([3, 4, 5]);
  expect(r.size).toBe(3);
});

test('toArray is a copy', () => {
  const r = new RingBuffer<number>(2);
  r.push(1);
  const a = r.toArray();
  a.push(99);
  expect(r.toArray()).toEqual([1]);
});

test('a capacity that is not a whole number >= 1 is refused', () => {
  for (const bad of [0, -1, 1.5, NaN]) expect(() => new RingBuffer(bad)).toThrow(RangeError);
});

test('property: after any pushes, it holds exactly the last min(n, capacity) of them, in order', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 50 }), fc.array(fc.integer(), { maxLength: 300 }), (capacity, pushed) => {
      const r = new RingBuffer<number>(capacity);
      for (const x of pushed) r.push(x);
      expect(r.toArray()).toEqual(pushed.slice(Math.max(0, pushed.length - capacity)));
      expect(r.size).toBe(Math.min(pushed.length, capacity));
    }),
  );
});
