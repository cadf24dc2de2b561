import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STATE_FILE, type SimOutput, ensureSimDir, readState, simDir, writeSecretFile, writeState } from './simState';

const OUTPUT: SimOutput = {
  consulHttp: 'http://127.0.0.1:32768',
  nginx: 'http://127.0.0.1:32769',
  labView: 'http://127.0.0.1:32770',
  managementTokenFile: '/repo/.classroom-sim/management.token',
  lan: { network: 'lab-classroom-lan', subnet: '10.213.80.0/24', instructor: '10.213.80.10', github: '10.213.80.5' },
  fullStudents: 1,
  students: [
    { index: 1, name: 'alice', fidelity: 'full', machine: 'classroom-student-1', address: '10.213.80.101', joinSeconds: 12.2 },
    { index: 2, name: 'bob', fidelity: 'light', machine: 'classroom-room', address: '10.213.80.102', joinSeconds: 4.1 },
  ],
};

describe('classroom:sim state', () => {
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'simstate-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  test('the dir is <repo>/.classroom-sim unless LAB_CLASSROOM_SIM_DIR says otherwise', () => {
    expect(simDir('/repo', {})).toBe('/repo/.classroom-sim');
    expect(simDir('/repo', { LAB_CLASSROOM_SIM_DIR: '/elsewhere/sim' })).toBe('/elsewhere/sim');
  });

  test('the output round-trips; a missing or broken state file means "not up"', () => {
    const dir = path.join(tmp, 'sim');
    expect(readState(dir)).toBeUndefined();
    ensureSimDir(dir);
    writeState(dir, OUTPUT);
    expect(readState(dir)).toEqual(OUTPUT);
    writeFileSync(path.join(dir, STATE_FILE), '{"consulHttp": 1');
    expect(readState(dir)).toBeUndefined();
  });

  test('the token file is 0600 in a 0700 dir, replaced (not appended) on a second up', () => {
    const dir = path.join(tmp, 'sim');
    ensureSimDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const file = path.join(dir, 'management.token');
    writeSecretFile(file, 'first\n');
    writeSecretFile(file, 'second\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('second\n');
  });
});
