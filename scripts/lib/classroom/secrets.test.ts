import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  classSecrets,
  classroomDir,
  ClassroomSecretsSchema,
  instructorConsulToken,
  JOIN_CODE_WORDS,
  newJoinCode,
  newSecrets,
  secretValues,
} from './secrets';
import { PRESET_TOKEN_KEYS } from './classroomTokens';

describe('classroom secrets', () => {
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'classroom-secrets-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('new secrets are valid and different each time', () => {
    const a = newSecrets();
    const b = newSecrets();
    expect(ClassroomSecretsSchema.parse(a)).toEqual(a);
    expect(Buffer.from(a.gossipKey, 'base64')).toHaveLength(32);
    expect(a.gossipKey).not.toBe(b.gossipKey);
    expect(a.managementToken).not.toBe(b.managementToken);
    expect(Object.keys(a.tokens).sort()).toEqual([...PRESET_TOKEN_KEYS].sort());
    // Every preset token's secret is its own: no two tokens share one, none is the management token.
    const all = secretValues(a);
    expect(new Set(all).size).toBe(all.length);
    expect(a.enrollmentJwtKey).not.toBe(b.enrollmentJwtKey);
  });

  it('a join code is three words of 128 and five digits (~37.6 bits)', () => {
    expect(JOIN_CODE_WORDS).toHaveLength(128);
    expect(new Set(JOIN_CODE_WORDS).size).toBe(128);
    expect(newJoinCode(() => 0)).toBe('kite-kite-kite-00000');
    for (let i = 0; i < 50; i++) expect(newJoinCode()).toMatch(/^[a-z]+-[a-z]+-[a-z]+-\d{5}$/);
    expect(3 * Math.log2(JOIN_CODE_WORDS.length) + Math.log2(100000)).toBeGreaterThan(36);
  });

  it('a new class: new 0600 files in a 0700 dir each time; --resume keeps them', () => {
    const dir = path.join(tmp, 'c');
    const first = classSecrets(dir, false);
    expect(first.previous).toBe(false);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'management.token')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dir, 'management.token'), 'utf8').trim()).toBe(first.secrets.managementToken);
    const resumed = classSecrets(dir, true);
    expect(resumed).toEqual({ secrets: first.secrets, previous: true });
    writeFileSync(path.join(dir, 'join.json'), '{}');
    const next = classSecrets(dir, false);
    expect(next.previous).toBe(true);
    expect(next.secrets.gossipKey).not.toBe(first.secrets.gossipKey);
    expect(next.secrets.joinCode).not.toBe(first.secrets.joinCode);
    // The earlier class's join.json (its code and key) goes with it.
    expect(() => readFileSync(path.join(dir, 'join.json'))).toThrow();
  });

  it('--resume without a class is one line saying how to start one', () => {
    expect(() => classSecrets(path.join(tmp, 'none'), true)).toThrow(
      /^--resume: no class to resume in .*none \(run lab:up --classroom to start one\)$/,
    );
  });

  it('tightens a too-open dir and file on resume', () => {
    const dir = path.join(tmp, 'c');
    classSecrets(dir, false);
    chmodSync(dir, 0o755);
    chmodSync(path.join(dir, 'secrets.json'), 0o644);
    classSecrets(dir, true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
  });

  it('a damaged file is an error naming the field, never its value, and is kept', () => {
    const dir = path.join(tmp, 'c');
    const { secrets } = classSecrets(dir, false);
    const file = path.join(dir, 'secrets.json');
    writeFileSync(file, JSON.stringify({ ...secrets, gossipKey: 'short' }));
    expect(() => classSecrets(dir, true)).toThrow(/secrets\.json: gossipKey: must be base64/);
    try {
      classSecrets(dir, true);
    } catch (e) {
      expect((e as Error).message).not.toContain(secrets.managementToken);
    }
    writeFileSync(file, '{');
    expect(() => classSecrets(dir, true)).toThrow(/not JSON/);
    expect(readFileSync(file, 'utf8')).toBe('{');
    // An earlier lab's layout (version 1) cannot be resumed either.
    writeFileSync(
      file,
      JSON.stringify({ gossipKey: secrets.gossipKey, managementToken: secrets.managementToken, joinCode: 'kite-maple-7421' }),
    );
    expect(() => classSecrets(dir, true)).toThrow(/secrets\.json: version: .*start a new class/);
  });

  it('LAB_CLASSROOM_DIR wins over <repo>/.classroom', () => {
    expect(classroomDir('/repo', {})).toBe('/repo/.classroom');
    expect(classroomDir('/repo', { LAB_CLASSROOM_DIR: '/var/lib/lab-classroom' })).toBe('/var/lib/lab-classroom');
  });

  it("the instructor scripts' Consul token: CONSUL_HTTP_TOKEN, else the classroom dir's management.token, else none", () => {
    const dir = path.join(tmp, 'classroom');
    expect(instructorConsulToken(tmp, { LAB_CLASSROOM_DIR: dir })).toBeUndefined();
    const { secrets } = classSecrets(dir, false);
    expect(instructorConsulToken(tmp, { LAB_CLASSROOM_DIR: dir })).toBe(secrets.managementToken);
    expect(instructorConsulToken(tmp, { LAB_CLASSROOM_DIR: dir, CONSUL_HTTP_TOKEN: 'from-env' })).toBe('from-env');
  });
});
