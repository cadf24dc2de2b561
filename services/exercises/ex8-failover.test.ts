// Exercise 8 (ex8-failover.ts) on states built like a running lab's (testdata/labFacts.ts).
import { expectFail, expectPass, failures, healthyLab } from './testdata/labFacts';

const ALL_DC1_DOWN = { 'api-a1': 'gone', 'api-a2': 'gone', 'api-b1': 'gone', 'api-b2': 'gone' } as const;

describe('8: prepared queries and failover across datacenters', () => {
  test('passes with dc2 joined, the query in place and every dc1 instance down: it answers from dc2', () => {
    const r = expectPass('8', healthyLab({ dc2: 'passing', query: {}, workshop: ALL_DC1_DOWN, page: [] }));
    expect(r.checks.map((c) => c.label)).toContain("workshop-nearest answers with dc2's instances (failed over): api-c1, api-c2");
  });

  test('a plain lab: each step says its command', () => {
    expect(failures(expectFail('8', healthyLab()))).toEqual([
      expect.stringMatching(/joined over the WAN.* — start it: `npm run lab:up -- --datacenters 2`/),
      expect.stringMatching(
        /\(none yet\) — create it: `curl -X POST http:\/\/127.0.0.1:8500\/v1\/query --data-binary @consul\/queries\/workshop-nearest.json`/,
      ),
      expect.stringMatching(/\(still passing: api-a1, api-a2, api-b1, api-b2\) — stop them all: `docker compose stop workshop-api-a1/),
      expect.stringMatching(/create the query first/),
    ]);
  });

  test('dc1 still serving: the query answers from home', () => {
    const f = failures(expectFail('8', healthyLab({ dc2: 'passing', query: {} })));
    expect(f).toEqual([
      expect.stringMatching(/still passing/),
      expect.stringMatching(/\(it answers from dc1: api-a1, api-a2, api-b1, api-b2\) — dc1 still has instances to give/),
    ]);
  });

  test('a query without failover, or dc2 with nothing passing, does not fail over', () => {
    const noFailover = failures(expectFail('8', healthyLab({ dc2: 'passing', query: { failover: [] }, workshop: ALL_DC1_DOWN, page: [] })));
    expect(noFailover).toEqual([
      expect.stringMatching(/failover to none\) — replace it/),
      expect.stringMatching(/answers from dc1: nothing/),
    ]);
    const dc2Down = failures(expectFail('8', healthyLab({ dc2: 'critical', query: {}, workshop: ALL_DC1_DOWN, page: [] })));
    expect(dc2Down).toEqual([
      expect.stringMatching(/\(none passing\)/),
      expect.stringMatching(/answers from dc2: nothing\) — dc2 has no passing instance/),
    ]);
  });
});
