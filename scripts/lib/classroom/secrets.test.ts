import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classroomDir, ClassroomSecretsSchema, instructorConsulToken, loadOrCreateSecrets, newJoinCode, newSecrets } from './secrets';

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
  });

  it('a join code is two words and four digits', () => {
    expect(newJoinCode(() => 0)).toBe('kite-kite-0000');
    for (let i = 0; i < 50; i++) expect(newJoinCode()).toMatch(/^[a-z]+-[a-z]+-\d{4}$/);
  });

  it('creates 0600 files in a 0700 dir, then reuses them', () => {
    const dir = path.join(tmp, 'c');
    const first = loadOrCreateSecrets(dir);
    expect(first.created).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'management.token')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dir, 'management.token'), 'utf8').trim()).toBe(first.secrets.managementToken);
    const again = loadOrCreateSecrets(dir);
    expect(again.created).toBe(false);
    expect(again.secrets).toEqual(first.secrets);
  });

  it('tightens a too-open dir and file', () => {
    const dir = path.join(tmp, 'c');
    loadOrCreateSecrets(dir);
    chmodSync(dir, 0o755);
    chmodSync(path.join(dir, 'secrets.json'), 0o644);
    loadOrCreateSecrets(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
  });

  it('a damaged file is an error naming the field, never its value, and is kept', () => {
    const dir = path.join(tmp, 'c');
    const { secrets } = loadOrCreateSecrets(dir);
    const file = path.join(dir, 'secrets.json');
    writeFileSync(file, JSON.stringify({ ...secrets, gossipKey: 'short' }));
    expect(() => loadOrCreateSecrets(dir)).toThrow(/secrets\.json: gossipKey: must be base64/);
    try {
      loadOrCreateSecrets(dir);
    } catch (e) {
      expect((e as Error).message).not.toContain(secrets.managementToken);
    }
    writeFileSync(file, '{');
    expect(() => loadOrCreateSecrets(dir)).toThrow(/not JSON/);
    expect(readFileSync(file, 'utf8')).toBe('{');
  });

  it('LAB_CLASSROOM_DIR wins over <repo>/.classroom', () => {
    expect(classroomDir('/repo', {})).toBe('/repo/.classroom');
    expect(classroomDir('/repo', { LAB_CLASSROOM_DIR: '/var/lib/lab-classroom' })).toBe('/var/lib/lab-classroom');
  });

  it("the instructor scripts' Consul token: CONSUL_HTTP_TOKEN, else the classroom dir's management.token, else none", () => {
    const dir = path.join(tmp, 'classroom');
    expect(instructorConsulToken(tmp, { LAB_CLASSROOM_DIR: dir })).toBeUndefined();
    const { secrets } = loadOrCreateSecrets(dir);
    expect(instructorConsulToken(tmp, { LAB_CLASSROOM_DIR: dir })).toBe(secrets.managementToken);
    expect(instructorConsulToken(tmp, { LAB_CLASSROOM_DIR: dir, CONSUL_HTTP_TOKEN: 'from-env' })).toBe('from-env');
  });
});
