// Exercise 2 (ex2-registration.ts) on states built like a running lab's (testdata/labFacts.ts).
import { expectFail, expectPass, failures, healthyLab } from './testdata/labFacts';

describe('2: registration and health checks', () => {
  test('passes when every instance has its check inside its service definition', () => {
    expectPass('2', healthyLab());
  });

  test('fails after `lab:up -- --check-scope node`, with the hint to run lab:up', () => {
    const f = failures(expectFail('2', healthyLab({ checkScope: 'node' })));
    expect(f).toEqual([
      expect.stringMatching(/own check \(ServiceID = its ID\) \(none: api-a1, api-a2, api-b1, api-b2\) — `npm run lab:up`/),
      expect.stringMatching(
        /no node-level workshop check on any node \(found workshop-api-a1-node-check on host-a, .*workshop-api-b2-node-check on host-b\) — `npm run lab:up`/,
      ),
    ]);
  });

  test('fails when an instance is critical', () => {
    const f = failures(
      expectFail('2', healthyLab({ workshop: { 'api-a1': 'passing', 'api-a2': 'critical', 'api-b1': 'passing', 'api-b2': 'passing' } })),
    );
    expect(f).toEqual([expect.stringMatching(/\(not: api-a2\)/)]);
  });
});
