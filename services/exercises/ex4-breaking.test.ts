// Exercise 4 (ex4-breaking.ts) on states built like a running lab's (testdata/labFacts.ts).
import { expectFail, expectPass, failures, healthyLab } from './testdata/labFacts';

describe('4: breaking things', () => {
  const killed = { 'api-a1': 'passing', 'api-a2': 'gone', 'api-b1': 'passing', 'api-b2': 'critical' } as const;

  test('passes after lab:kill-api: one stopped, one hard-killed (critical), both off the page, /api/ served by the rest', () => {
    const r = expectPass('4', healthyLab({ workshop: killed }));
    expect(r.checks[0]!.label).toBe('at least one workshop instance is not passing (api-a2, api-b2)');
  });

  test('fails on a whole lab with the hint to run lab:kill-api', () => {
    expect(failures(expectFail('4', healthyLab()))).toEqual([expect.stringMatching(/not passing — stop one: `npm run lab:kill-api`/)]);
  });

  test('fails while the page still shows a killed instance, and without a leader', () => {
    const f = failures(
      expectFail('4', healthyLab({ workshop: killed, leader: false, page: ['workshop-api-a1', 'workshop-api-b1', 'workshop-api-b2'] })),
    );
    expect(f).toEqual([
      expect.stringMatching(/\(still shown: api-b2\) — a hard kill takes a check interval/),
      expect.stringMatching(/raft leader/),
    ]);
  });
});
