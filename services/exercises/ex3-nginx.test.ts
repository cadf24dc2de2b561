// Exercise 3 (ex3-nginx.ts) on states built like a running lab's (testdata/labFacts.ts).
import { expectFail, expectPass, failures, healthyLab } from './testdata/labFacts';

describe('3: Nginx and consul-template', () => {
  test('passes when the page, the avatars and /api/ follow Consul', () => {
    expectPass('3', healthyLab());
  });

  test('fails when a passing instance is missing from the page and its avatar does not route', () => {
    const f = failures(
      expectFail('3', healthyLab({ page: ['workshop-api-a1', 'workshop-api-b1', 'workshop-api-b2'], avatars: { 'workshop-api-a2': 404 } })),
    );
    expect(f).toEqual([
      expect.stringMatching(/the page lacks api-a2/),
      expect.stringMatching(/\/avatars\/workshop-<name> through Nginx \(not: api-a2\) — api-a2: HTTP 404/),
    ]);
  });

  test('with no instance at all, /api/ 503 says why', () => {
    const gone = { 'api-a1': 'gone', 'api-a2': 'gone', 'api-b1': 'gone', 'api-b2': 'gone' } as const;
    const f = failures(expectFail('3', healthyLab({ workshop: gone })));
    expect(f).toEqual([expect.stringMatching(/none passing/), expect.stringMatching(/\(HTTP 503\) — no workshop instance passes/)]);
  });
});
