import type { GatherOptions, LabFacts } from '../../../services/exercises';
import { UsageError } from '../../../services/shared/errors';
import { fakeLab } from '../lab/testdata/fakeLab';
import { labCheck, type CheckDeps } from './checkCommand';

/** What the gatherer knows when Consul and Nginx do not answer: every fact an error. */
function unreachableFacts(): LabFacts {
  const no = { ok: false as const, error: 'connect ECONNREFUSED' };
  return {
    readAt: 0,
    raft: no,
    members: no,
    nodeChecks: no,
    workshop: no,
    consulDemo: no,
    demoServersPassing: no,
    page: no,
    api: no,
    avatars: no,
    demo: no,
    classroom: no,
    studentInstances: no,
    inventoryDb: no,
    registratorLastDie: no,
    connectCa: no,
    sidecars: no,
    intention: no,
    connectClient: no,
    datacenters: no,
    dc2Workshop: no,
    preparedQuery: no,
    queryAnswer: no,
  };
}

function world() {
  const lab = fakeLab('checklab');
  const out: string[] = [];
  const gathered: GatherOptions[] = [];
  const deps: CheckDeps = {
    root: '/nonexistent-repo',
    openLab: async () => lab,
    gatherFacts: async (opts) => {
      gathered.push(opts);
      return unreachableFacts();
    },
    readDemoRequests: async () => [],
    readConnectClient: async () => ({ requests: [], tls: null }),
    readRoom: () => Promise.reject(new Error('not in this test')),
    out: (text) => void out.push(text),
  };
  return { lab, out, gathered, deps };
}

test('an unknown exercise is bad input (exit 2) naming the ones there are, before the lab is opened', async () => {
  const w = world();
  const err = await labCheck('99', {}, w.deps).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UsageError);
  expect((err as Error).message).toMatch(/^unknown exercise "99": one of lab \(.*\), 1 \(/);
  expect(w.gathered).toEqual([]);
});

test('a lab that does not answer fails the checks (exit 1), rendered for its project; the lab is closed', async () => {
  const w = world();
  await expect(labCheck('lab', {}, w.deps)).resolves.toBe(1);
  expect(w.gathered[0]).toMatchObject({ consulUrl: 'http://127.0.0.1:8500', nginxUrl: 'http://127.0.0.1:8080' });
  const text = w.out.join('');
  expect(text).toMatch(/^Lab: /);
  expect(text).toContain('✗');
  expect(text).toContain('-p checklab');
  expect(w.lab.closed).toBe(1);
});

test('--json: one object with the exercise and its checks', async () => {
  const w = world();
  await expect(labCheck('1', { json: true }, w.deps)).resolves.toBe(1);
  const result = JSON.parse(w.out.join('')) as { id: string; checks: Array<{ ok: boolean }> };
  expect(result.id).toBe('1');
  expect(result.checks.length).toBeGreaterThan(0);
  expect(result.checks.every((c) => !c.ok)).toBe(true);
});
