// Exercise 5, step 3 (ex5-node-check.ts) on states built like a running lab's (testdata/labFacts.ts).
import { expectFail, expectPass, failures, healthyLab } from './testdata/labFacts';

describe("5-node-check: the workshop's node-level check", () => {
  const b1Killed = { 'api-a1': 'passing', 'api-a2': 'passing', 'api-b1': 'critical', 'api-b2': 'passing' } as const;

  test('passes with node-level checks and api-b1 killed hard: api-b2 and consul-demo are out though fine', () => {
    const r = expectPass('5-node-check', healthyLab({ checkScope: 'node', workshop: b1Killed }));
    expect(r.checks.map((c) => c.label)).toEqual([
      'a node-level workshop check on host-b (workshop-api-b1-node-check, workshop-api-b2-node-check)',
      'one of them is critical (workshop-api-b1-node-check)',
      'the other services on host-b are out of the passing set, though their own checks pass (api-b2, consul-demo)',
    ]);
  });

  test('fails on the default lab, the first ✗ saying `npm run lab:up -- --check-scope node`', () => {
    const f = failures(expectFail('5-node-check', healthyLab()));
    expect(f[0]).toMatch(/a node-level workshop check on host-b — .*`npm run lab:up -- --check-scope node`/);
    expect(f[1]).toMatch(/then `npm run lab:kill-api -- api-b1 --hard`/);
  });

  test('fails with node-level checks all passing (nothing killed yet), and when host-b itself is down', () => {
    let f = failures(expectFail('5-node-check', healthyLab({ checkScope: 'node' })));
    expect(f).toEqual([
      expect.stringMatching(/one of them is critical — kill one instance hard/),
      expect.stringMatching(/still passing: api-b1, api-b2, consul-demo/),
    ]);
    f = failures(
      expectFail(
        '5-node-check',
        healthyLab({ checkScope: 'node', workshop: b1Killed, serf: { 'host-a': 'passing', 'host-b': 'critical' } }),
      ),
    );
    expect(f).toEqual([expect.stringMatching(/host-b's agent is not alive\) — here the node check must be the cause/)]);
  });
});
