import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../shared/errors';
import { writeInstanceFile } from './instanceFile';

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'instance-file-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('writes the prefix and a newline, replacing an older file, and leaves no temporary file behind', () => {
  const file = path.join(dir, 'instance');
  writeFileSync(file, 'consul-demo-old-1-abcd\n');
  writeInstanceFile(file, 'consul-demo-host-b-1-0f3c');
  expect(readFileSync(file, 'utf8')).toBe('consul-demo-host-b-1-0f3c\n');
  expect(readdirSync(dir)).toEqual(['instance']);
});

test('a path that cannot be written is bad input, in one line', () => {
  const file = path.join(dir, 'missing-dir', 'instance');
  let err: unknown;
  try {
    writeInstanceFile(file, 'consul-demo-h-1-abcd');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(UsageError);
  expect((err as Error).message).toMatch(/^--instance-file ".*missing-dir\/instance": cannot write it \(ENOENT\)$/);
  expect((err as Error).message).not.toContain('\n');
  expect(readdirSync(dir)).toEqual([]);
});
