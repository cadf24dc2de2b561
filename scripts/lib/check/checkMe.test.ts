import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StudentFacts } from '../../../services/exercises';
import { joinInfoFor } from '../classroom/joinInfo';
import { writeStudentState, type StudentState } from '../classroom/studentState';
import { CLASSROOM_CA_PEM } from '../classroom/testdata/testCas';
import { labCheck, type CheckDeps } from './checkCommand';
import { labCheckMe, type MeCheckDeps } from './checkMe';

const TOKEN = '3f2a1b4c-1111-2222-3333-444455556666';
const joinInfo = joinInfoFor('192.168.1.20', { gossipKey: 'a'.repeat(43) + '=', joinCode: 'kite-maple-7421' }, 8080, CLASSROOM_CA_PEM);
const STATE: StudentState = {
  version: 2,
  name: 'alice',
  nodeName: 'student-alice',
  serviceId: 'workshop-alice',
  token: TOKEN,
  accessorId: 'acc-1',
  joinInfo,
  project: 'lab-student',
  address: '192.168.1.31',
};

function goodFacts(): StudentFacts {
  return {
    name: 'alice',
    nodeName: 'student-alice',
    serviceId: 'workshop-alice',
    instructor: '192.168.1.20',
    project: 'lab-student',
    agentUrl: 'http://127.0.0.1:8500',
    apiAddress: '192.168.1.31:8081',
    serfPort: 8301,
    page: joinInfo.page,
    node: { ok: true, value: true },
    checks: {
      ok: true,
      value: [
        { node: 'student-alice', checkId: 'serfHealth', name: 'Serf', status: 'passing', serviceId: '' },
        { node: 'student-alice', checkId: 'service:workshop-alice', name: 'h', status: 'passing', serviceId: 'workshop-alice' },
      ],
    },
    onPage: { ok: true, value: true },
  };
}

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'lab-check-me-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function deps(facts: StudentFacts = goodFacts()): MeCheckDeps & { lines: string[]; gathered: StudentState[] } {
  const lines: string[] = [];
  const gathered: StudentState[] = [];
  return {
    root: dir,
    env: { LAB_STUDENT_DIR: path.join(dir, 'student') },
    gather: async (state) => (gathered.push(state), facts),
    out: (t) => void lines.push(t),
    lines,
    gathered,
  };
}

test('no student.json: one line with the join command, exit 1, nothing asked', async () => {
  const d = deps();
  await expect(labCheckMe({}, d)).resolves.toBe(1);
  expect(d.lines).toEqual([
    'not joined: run npm run lab:join -- <instructor address> --code <code> --pin <pin> --name <github-account> (the line the instructor shows)\n',
  ]);
  expect(d.gathered).toEqual([]);
});

test('joined, passing, on the page: ✓ lines and exit 0; the token is never printed', async () => {
  const d = deps();
  writeStudentState(path.join(dir, 'student'), STATE);
  await expect(labCheckMe({}, d)).resolves.toBe(0);
  expect(d.gathered[0]).toMatchObject({ name: 'alice', token: TOKEN });
  const text = d.lines.join('');
  expect(text).toMatch(/^Exercise me: my machine in the class/);
  expect(text).toContain('  ✓ joined: node student-alice in the catalog (your agent at http://127.0.0.1:8500)');
  expect(text).toContain('All 4 checks pass.');
  expect(text).not.toContain(TOKEN);
});

test('a ✗ is exit 1 with its hint; --json is one object', async () => {
  const d = deps({ ...goodFacts(), onPage: { ok: true, value: false } });
  writeStudentState(path.join(dir, 'student'), STATE);
  await expect(labCheckMe({ json: true }, d)).resolves.toBe(1);
  const parsed = JSON.parse(d.lines.join('')) as { id: string; checks: { ok: boolean; hint: string }[] };
  expect(parsed.id).toBe('me');
  expect(parsed.checks.map((c) => c.ok)).toEqual([true, true, true, false]);
  expect(parsed.checks[3]!.hint).toMatch(/cannot reach it at 192\.168\.1\.31:8081/);
});

test('lab:check me goes to the student side without opening a lab', async () => {
  const me = deps();
  const lines: string[] = [];
  const checkDeps: CheckDeps = {
    root: dir,
    openLab: () => Promise.reject(new Error('no lab on a student laptop')),
    gatherFacts: () => Promise.reject(new Error('not asked')),
    readDemoRequests: () => Promise.reject(new Error('not asked')),
    readConnectClient: () => Promise.reject(new Error('not asked')),
    readRoom: () => Promise.reject(new Error('not asked')),
    out: (t) => void lines.push(t),
    me,
  };
  await expect(labCheck('me', {}, checkDeps)).resolves.toBe(1);
  expect(me.lines[0]).toMatch(/^not joined: /);
});
