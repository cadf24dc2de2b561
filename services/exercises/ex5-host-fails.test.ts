// Exercise 5 (ex5-host-fails.ts) on states built like a running lab's (testdata/labFacts.ts).
import { expectFail, expectPass, failures, healthyLab } from './testdata/labFacts';

describe('5: a host fails', () => {
  test('passes with host-b partitioned: serfHealth critical, its services out, host-a whole', () => {
    expectPass('5', healthyLab({ serf: { 'host-a': 'passing', 'host-b': 'critical' } }));
  });

  test('fails on a whole lab, the first ✗ saying `npm run lab:partition -- host-b`', () => {
    const f = failures(expectFail('5', healthyLab()));
    expect(f[0]).toMatch(/host-b's agent is failed \(serfHealth is passing\) — cut host-b off: `npm run lab:partition -- host-b`/);
    expect(f[1]).toMatch(/still passing: api-b1, api-b2, consul-demo consul-demo-host-b-7-971e\)/);
    expect(f[2]).toMatch(/\(still shown: api-b1, api-b2\)/);
    expect(f).toHaveLength(3);
  });

  test("fails when the page lags behind or host-a's instances are down too", () => {
    const f = failures(
      expectFail(
        '5',
        healthyLab({
          serf: { 'host-a': 'passing', 'host-b': 'critical' },
          workshop: { 'api-a1': 'gone', 'api-a2': 'passing', 'api-b1': 'passing', 'api-b2': 'passing' },
          page: ['workshop-api-a2', 'workshop-api-b1'],
        }),
      ),
    );
    expect(f).toEqual([expect.stringMatching(/still shown: api-b1/), expect.stringMatching(/\(not: api-a1\) — `npm run lab:restore-api`/)]);
  });
});
