// The lab, up and whole (lab-whole.ts), on states built like a running lab's (testdata/labFacts.ts).
import { checkExercise } from './exercises';
import { expectFail, expectPass, factsOf, failures, healthyLab, requests } from './testdata/labFacts';

describe('lab: up and whole', () => {
  test('passes on a healthy lab with one demo server', () => {
    expect(expectPass('lab', healthyLab()).checks).toHaveLength(9);
  });

  test('fails with an instance stopped, host-b cut off, or no leader; each ✗ says what to do', () => {
    let f = failures(
      expectFail('lab', healthyLab({ workshop: { 'api-a1': 'passing', 'api-a2': 'gone', 'api-b1': 'passing', 'api-b2': 'passing' } })),
    );
    expect(f).toEqual([expect.stringMatching(/all 4 workshop instances passing \(not: api-a2\) — .*npm run lab:restore-api/)]);

    f = failures(expectFail('lab', healthyLab({ serf: { 'host-a': 'passing', 'host-b': 'critical' } })));
    expect(f).toContainEqual(
      expect.stringMatching(/host-b's agent is alive \(serfHealth is critical\) — .*lab:partition -- --heal host-b/),
    );
    expect(f).toContainEqual(expect.stringMatching(/not: api-b1, api-b2\) — host-b's agent is down/));
    expect(f).toContainEqual(expect.stringMatching(/a consul-demo server is passing — registered but not passing \(on host-b\)/));

    f = failures(expectFail('lab', healthyLab({ leader: false, serversAlive: 1 })));
    expect(f).toEqual([
      expect.stringMatching(/^Consul has a raft leader — no leader: .*docker compose start consul-server-1/),
      expect.stringMatching(/^3 raft voters, all alive \(1 alive of 3 voters\)/),
    ]);
  });

  test('fails when the page and Consul disagree, or the client failed requests', () => {
    let f = failures(expectFail('lab', healthyLab({ page: ['workshop-api-a1', 'workshop-api-b1', 'workshop-api-b2', 'workshop-api-x9'] })));
    expect(f).toEqual([expect.stringMatching(/the page shows api-x9 \(not passing\), lacks api-a2: consul-template/)]);
    // A lone demo server's restart gap costs a request now and then: up to 3 of 20 are tolerated, 4 are not.
    expectPass('lab', healthyLab({ demo: requests(30, (i) => (i % 6 === 0 ? { ok: false, attempts: 2 } : {})) }));
    f = failures(expectFail('lab', healthyLab({ demo: requests(30, (i) => (i % 5 === 0 ? { ok: false, attempts: 2 } : {})) })));
    expect(f).toEqual([
      expect.stringMatching(/at most 3 of the last 20 failed: a lone server's restart gap\): 4 failed — .*npm run lab:scale-server/),
    ]);
    f = failures(expectFail('lab', healthyLab({ demo: requests(5) })));
    expect(f).toEqual([expect.stringMatching(/\(only 5 read\) — is demo-client running/)]);
  });

  test('a part that could not be read fails only its checks, saying what could not be read', () => {
    const facts = factsOf(healthyLab());
    facts.nodeChecks = { ok: false, error: 'Consul http://127.0.0.1:8500/v1/health/state/any?stale: fetch failed (ECONNREFUSED)' };
    facts.demo = { ok: false, error: 'checklab-demo-client-1 is exited' };
    const f = failures(checkExercise('lab', facts));
    expect(f).toEqual([
      expect.stringMatching(/^host-a's agent .* — could not read Consul's node checks: .*ECONNREFUSED/),
      expect.stringMatching(/^host-b's agent .* — could not read Consul's node checks/),
      expect.stringMatching(
        /^the demo client's requests succeed .* — could not read the demo client's requests: checklab-demo-client-1 is exited/,
      ),
    ]);
  });
});
