import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ComposeOptions } from '../docker/compose';
import type { LabContainer } from '../docker/labContainers';
import { fakeCommandIo } from '../lab/testdata/fakeCommandIo';
import { fakeContainer } from '../lab/testdata/fakeContainer';
import { EnrollError } from './enrollClient';
import { joinInfoFor } from './joinInfo';
import { labLeave, type LeaveDeps } from './leaveCommand';
import { STATE_FILE, writeStudentState } from './studentState';
import { CLASSROOM_CA_PEM } from './testdata/testCas';

let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lab-leave-'));
  dir = path.join(root, '.classroom-student');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** What lab:join leaves on this machine for "alice" in the class of 192.168.1.20. */
function joined(): void {
  const joinInfo = joinInfoFor('192.168.1.20', { gossipKey: 'c'.repeat(43) + '=', joinCode: 'kite-maple-7421' }, 8080, CLASSROOM_CA_PEM);
  const names = { name: 'alice', nodeName: 'student-alice', serviceId: 'workshop-alice' };
  writeStudentState(dir, {
    version: 2,
    ...names,
    token: 'tok-0123456789',
    accessorId: 'a',
    joinInfo,
    project: 'lab-alice',
    address: '192.168.1.31',
  });
}

function world(release: LeaveDeps['releaseStudent'] = async () => 'released') {
  const fake = fakeCommandIo();
  const calls: string[] = [];
  const compose: ComposeOptions[] = [];
  let listed = 0;
  const running: LabContainer[] = [fakeContainer('lab-alice', 'student-agent'), fakeContainer('lab-alice', 'workshop-api')];
  const deps: LeaveDeps = {
    ...fake.io,
    root,
    env: {},
    connectDocker: async () => ({ listContainers: async () => (listed++ === 0 ? running : []) }),
    runCompose: async (args, opts) => {
      calls.push(`compose ${args.slice(2).join(' ')}`);
      compose.push(opts);
      return { code: 0, stdout: '', stderr: '' };
    },
    releaseStudent: async (...args) => {
      calls.push(`release ${args[1]}`);
      return release(...args);
    },
  };
  return { deps, fake, calls, compose };
}

test('leaving: the saved project goes down, then the name is freed, then the state is removed', async () => {
  joined();
  const w = world();
  await expect(labLeave({}, w.deps)).resolves.toBe(0);
  expect(w.calls).toEqual(['compose down --volumes --remove-orphans', 'release alice']);
  expect(w.compose[0]!.project).toBe('lab-alice');
  expect(w.fake.out[0]).toBe(
    'Leaving the class of 192.168.1.20 as "alice": removing your host (2 containers, docker compose -p lab-alice down -v)\n',
  );
  expect(w.fake.progressTexts()).toEqual([
    'your host is gone: the agent left the cluster, its node and service with it',
    'the name "alice" is free again',
  ]);
  expect(w.fake.out[1]).toBe(`Left the class after 0.0 s; ${dir} removed.\n`);
  expect(existsSync(path.join(dir, STATE_FILE))).toBe(false);
});

test('an unreachable instructor: the host is removed, the state kept for a later lab:leave; --forget drops it', async () => {
  const unreachable = async (): Promise<never> => {
    throw new EnrollError('cannot reach the instructor at https://192.168.1.20:8099', 'unreachable');
  };
  joined();
  await expect(labLeave({}, world(unreachable).deps)).rejects.toThrow(
    /^cannot reach the instructor .*; your host is removed but the name "alice" is still taken: run npm run lab:leave again/,
  );
  expect(existsSync(path.join(dir, STATE_FILE))).toBe(true);

  const w = world(unreachable);
  await expect(labLeave({ forget: true }, w.deps)).resolves.toBe(0);
  expect(w.fake.progressTexts()).toContain('could not free the name "alice" (--forget): the instructor can');
  expect(existsSync(path.join(dir, STATE_FILE))).toBe(false);
});

test('no saved enrolment: the default project goes down, no name to free', async () => {
  const w = world();
  await expect(labLeave({}, w.deps)).resolves.toBe(0);
  expect(w.compose[0]!.project).toBe('lab-student');
  expect(w.calls).not.toContain('release alice');
  expect(w.fake.out.at(-1)).toBe(`Left after 0.0 s (no saved enrolment in ${dir}: no name to free).\n`);
});
