import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JoinInfo } from './joinInfo';
import { CLASSROOM_CA_PEM } from './testdata/testCas';
import {
  GITHUB_TOKEN_FILE,
  readGithubToken,
  readStudentState,
  removeStudentState,
  reuseConflict,
  STATE_FILE,
  studentDir,
  writeGithubToken,
  writeStudentState,
  type StudentState,
} from './studentState';

const joinInfo: JoinInfo = {
  version: 2,
  datacenter: 'dc1',
  instructor: '192.168.1.20',
  servers: ['192.168.1.20:8301'],
  gossipKey: 'a'.repeat(43) + '=',
  joinCode: 'kite-maple-7421',
  ca: CLASSROOM_CA_PEM,
  enrollUrl: 'https://192.168.1.20:8099',
  consulUi: 'http://192.168.1.20:8500/ui/',
  page: 'http://192.168.1.20:8080/',
};
const TOKEN = '3f2a1b4c-1111-2222-3333-444455556666';
const state: StudentState = {
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

let base: string;
let dir: string;
beforeEach(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'student-state-'));
  dir = path.join(base, '.classroom-student');
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

test('studentDir: LAB_STUDENT_DIR, else <repo>/.classroom-student', () => {
  expect(studentDir('/repo', {})).toBe('/repo/.classroom-student');
  expect(studentDir('/repo', { LAB_STUDENT_DIR: '/var/lib/lab-join' })).toBe('/var/lib/lab-join');
});

test('state round-trips, in a 0600 file inside a 0700 folder', () => {
  writeStudentState(dir, state);
  expect(readStudentState(dir)).toEqual(state);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  expect(statSync(path.join(dir, STATE_FILE)).mode & 0o777).toBe(0o600);
});

test('a folder that exists with a looser mode is tightened', () => {
  writeStudentState(dir, state);
  chmodSync(dir, 0o755);
  writeStudentState(dir, state);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
});

test('no state: undefined', () => {
  expect(readStudentState(dir)).toBeUndefined();
});

test('a damaged file: one line naming the field, never the token', () => {
  writeStudentState(dir, state);
  const file = path.join(dir, STATE_FILE);
  writeFileSync(file, JSON.stringify({ ...state, name: 42 }));
  expect(() => readStudentState(dir)).toThrow(/name: .*lab:leave -- --forget/);
  expect(() => readStudentState(dir)).not.toThrow(new RegExp(TOKEN));
  writeFileSync(file, `{"token": "${TOKEN}"`);
  expect(() => readStudentState(dir)).toThrow(/not JSON/);
  expect(() => readStudentState(dir)).not.toThrow(new RegExp(TOKEN));
});

test('the GitHub token: a 0600 file, read back trimmed', () => {
  writeGithubToken(dir, 'ghp_secret');
  expect(readGithubToken(dir)).toBe('ghp_secret');
  expect(statSync(path.join(dir, GITHUB_TOKEN_FILE)).mode & 0o777).toBe(0o600);
  expect(readFileSync(path.join(dir, GITHUB_TOKEN_FILE), 'utf8')).toBe('ghp_secret\n');
});

test('removeStudentState removes both files and the emptied folder, and is idempotent', () => {
  writeStudentState(dir, state);
  writeGithubToken(dir, 'ghp_secret');
  removeStudentState(dir);
  expect(existsSync(dir)).toBe(false);
  expect(() => removeStudentState(dir)).not.toThrow();
});

test('removeStudentState keeps a folder that holds something else', () => {
  writeStudentState(dir, state);
  writeFileSync(path.join(dir, 'notes.txt'), 'mine');
  removeStudentState(dir);
  expect(existsSync(path.join(dir, 'notes.txt'))).toBe(true);
  expect(existsSync(path.join(dir, STATE_FILE))).toBe(false);
});

describe('reuseConflict', () => {
  test('same name, same class: reuse', () => {
    expect(reuseConflict(state, 'alice', { ...joinInfo, page: 'http://192.168.1.20:8081/' })).toBeUndefined();
  });
  test('another name: leave first', () => {
    expect(reuseConflict(state, 'bob', joinInfo)).toMatch(/already joined as "alice": run npm run lab:leave first/);
  });
  test('another class (another key or enrollment service): leave first', () => {
    expect(reuseConflict(state, 'alice', { ...joinInfo, gossipKey: 'b'.repeat(43) + '=' })).toMatch(/another class/);
    expect(reuseConflict(state, 'alice', { ...joinInfo, enrollUrl: 'http://10.0.0.9:8099' })).toMatch(/another class/);
  });
});
