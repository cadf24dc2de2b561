import fc from 'fast-check';
import { parseDemoResults } from './demoResults';

const r = (over: Record<string, unknown> = {}) => ({
  at: '2026-11-22T10:00:00.000Z',
  ok: true,
  attempts: 1,
  discovery: 'dns',
  instance: '10.0.0.5:31000',
  version: 'v2',
  error: null,
  ...over,
});

test('outcome from ok and attempts; oldest first; before `since` dropped', () => {
  const out = parseDemoResults(
    {
      results: [
        r({ at: '2026-11-22T10:00:02.000Z', ok: false, attempts: 3, discovery: 'http', instance: null, error: 'ECONNREFUSED' }),
        r({ at: '2026-11-22T10:00:01.000Z', attempts: 2 }),
        r(),
        r({ at: '2026-11-22T09:00:00.000Z' }),
      ],
    },
    Date.parse('2026-11-22T09:59:00.000Z'),
  );
  expect(out.map((x) => [x.outcome, x.discovery])).toEqual([
    ['first', 'dns'],
    ['retry', 'dns'],
    ['failed', 'http'],
  ]);
  expect(out[2]!.error).toBe('ECONNREFUSED');
});

test('a malformed entry is skipped, a malformed answer is an error', () => {
  expect(parseDemoResults({ results: [r({ discovery: 'carrier-pigeon' }), r({ at: 'yesterday' }), r()] }, 0)).toHaveLength(1);
  expect(() => parseDemoResults({ result: [] }, 0)).toThrow(/results/);
  expect(() => parseDemoResults(null, 0)).toThrow();
});

test('property: any JSON either parses to well-formed requests or throws an Error', () => {
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), fc.record({ results: fc.array(fc.jsonValue()) })), (body) => {
      try {
        for (const x of parseDemoResults(body, 0)) {
          expect(Number.isFinite(x.at)).toBe(true);
          expect(['first', 'retry', 'failed']).toContain(x.outcome);
        }
      } catch (err) {
        expect(err).toBeInstanceOf(Error);
      }
    }),
    { numRuns: 300 },
  );
});
