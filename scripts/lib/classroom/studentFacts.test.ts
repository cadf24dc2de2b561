import type { ConsulTarget } from '../../../services/shared/consul';
import { joinInfoFor } from './joinInfo';
import { studentSettings } from './studentAddress';
import { gatherStudentFacts, type StudentFactsIo } from './studentFacts';
import type { StudentState } from './studentState';
import { CLASSROOM_CA_PEM } from './testdata/testCas';

const TOKEN = '3f2a1b4c-1111-2222-3333-444455556666';
const joinInfo = joinInfoFor('192.168.1.20', { gossipKey: 'a'.repeat(43) + '=', joinCode: 'kite-maple-7421' }, 8080, CLASSROOM_CA_PEM);
const STATE: StudentState = {
  version: 2,
  name: 'alice',
  // Edited by hand: the facts use the lab's names for "alice", not these.
  nodeName: 'student-mallory',
  serviceId: 'workshop-mallory',
  token: TOKEN,
  accessorId: 'acc-1',
  joinInfo,
  address: '192.168.1.31',
};

test("the student's own agent with the student's token; the lab's names for the name; each part known", async () => {
  const targets: ConsulTarget[] = [];
  const asked: string[] = [];
  const io: StudentFactsIo = {
    catalogNode: async (t, node) => (targets.push(t), asked.push(`node ${node}`), { Node: { Node: node } }),
    nodeChecks: async (t, node) => (
      targets.push(t),
      asked.push(`checks ${node}`),
      [{ Node: node, CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing', ServiceID: '', ServiceName: '', Output: '' }]
    ),
    onPage: async (page, id) => (asked.push(`page ${page} ${id}`), true),
  };
  const f = await gatherStudentFacts(STATE, studentSettings({ LAB_STUDENT_HTTP_PORT: '18500' }), io);
  expect(targets.map((t) => [t.baseUrl, t.token])).toEqual([
    ['http://127.0.0.1:18500', TOKEN],
    ['http://127.0.0.1:18500', TOKEN],
  ]);
  expect(asked.sort()).toEqual(['checks student-alice', 'node student-alice', 'page http://192.168.1.20:8080/ workshop-alice']);
  expect(f).toMatchObject({
    nodeName: 'student-alice',
    serviceId: 'workshop-alice',
    project: 'lab-student',
    agentUrl: 'http://127.0.0.1:18500',
    apiAddress: '192.168.1.31:8081',
    node: { ok: true, value: true },
    checks: { ok: true, value: [{ checkId: 'serfHealth', status: 'passing', serviceId: '' }] },
    onPage: { ok: true, value: true },
  });
  expect(JSON.stringify(f)).not.toContain(TOKEN);
});

test('an agent that does not answer and a node the catalog lacks: each part says so on its own', async () => {
  const refused = Object.assign(new Error('fetch failed'), { cause: new Error('connect ECONNREFUSED 127.0.0.1:8500') });
  const io: StudentFactsIo = {
    catalogNode: async () => null,
    nodeChecks: async () => Promise.reject(refused),
    onPage: async () => false,
  };
  const f = await gatherStudentFacts(STATE, studentSettings({}), io);
  expect(f.node).toEqual({ ok: true, value: false });
  expect(f.checks).toEqual({ ok: false, error: 'fetch failed (connect ECONNREFUSED 127.0.0.1:8500)' });
  expect(f.onPage).toEqual({ ok: true, value: false });
});
