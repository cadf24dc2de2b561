import fc from 'fast-check';
import fs, { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ensurePrivateDir, readPrivateJsonFile, writePrivateFile } from './privateFile';

let tmp: string;
beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'privatefile-'))));
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(tmp, { recursive: true, force: true });
});

const modeOf = (p: string): number => statSync(p).mode & 0o777;

/** Run `fn` with the process umask set to `mask`, then put it back. */
function withUmask<T>(mask: number, fn: () => T): T {
  const before = process.umask(mask);
  try {
    return fn();
  } finally {
    process.umask(before);
  }
}

describe('ensurePrivateDir', () => {
  test('creates the folder 0700, even under a permissive umask', () => {
    const dir = path.join(tmp, 'a', 'b');
    withUmask(0, () => ensurePrivateDir(dir));
    expect(modeOf(dir)).toBe(0o700);
  });

  test('sets an existing folder of another mode to exactly 0700 (wider or narrower)', () => {
    for (const mode of [0o755, 0o500]) {
      const dir = path.join(tmp, `m${mode.toString(8)}`);
      mkdirSync(dir, { mode });
      fs.chmodSync(dir, mode);
      ensurePrivateDir(dir);
      expect(modeOf(dir)).toBe(0o700);
    }
  });
});

describe('writePrivateFile', () => {
  test('the file is 0600 whatever the umask', () => {
    for (const mask of [0, 0o022, 0o277]) {
      const file = path.join(tmp, `u${mask.toString(8)}`);
      withUmask(mask, () => writePrivateFile(file, 'secret\n'));
      expect(modeOf(file)).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toBe('secret\n');
    }
  });

  test('the file is born private: created new (O_EXCL) and 0600 or narrower before a byte is written', () => {
    const opened: Array<{ flags: unknown; mode: number; size: number }> = [];
    const realOpen = fs.openSync;
    jest.spyOn(fs, 'openSync').mockImplementation((p, flags, mode) => {
      const fd = realOpen(p, flags, mode);
      const st = fs.fstatSync(fd);
      opened.push({ flags, mode: st.mode & 0o777, size: st.size });
      return fd;
    });
    withUmask(0, () => writePrivateFile(path.join(tmp, 'token'), 'secret\n'));
    expect(opened).toHaveLength(1);
    expect(opened[0]!.flags).toBe('wx');
    expect(opened[0]!.mode & 0o177).toBe(0);
    expect(opened[0]!.size).toBe(0);
  });

  test('replaces an existing file whole, with mode 0600 even when the old one was wider, and leaves no temporary file', () => {
    const file = path.join(tmp, 'secrets.json');
    writeFileSync(file, 'old contents that are longer than the new ones\n', { mode: 0o644 });
    writePrivateFile(file, 'new\n');
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(modeOf(file)).toBe(0o600);
    expect(readdirSync(tmp)).toEqual(['secrets.json']);
  });

  test('a failure mid-write leaves the old file as it was and no temporary file', () => {
    const file = path.join(tmp, 'secrets.json');
    writeFileSync(file, 'old\n', { mode: 0o600 });
    jest.spyOn(fs, 'fsyncSync').mockImplementation(() => {
      throw new Error('EIO: i/o error, fsync');
    });
    expect(() => writePrivateFile(file, 'new\n')).toThrow('EIO');
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(readdirSync(tmp)).toEqual(['secrets.json']);
  });

  test('a rename that fails (the target is a folder) leaves no temporary file', () => {
    const target = path.join(tmp, 'taken');
    mkdirSync(path.join(target, 'inside'), { recursive: true });
    expect(() => writePrivateFile(target, 'x')).toThrow();
    expect(readdirSync(tmp)).toEqual(['taken']);
  });

  test('property: any text reads back exactly, 0600, with nothing else left in the folder', () => {
    const file = path.join(tmp, 'f');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (text) => {
        writePrivateFile(file, text);
        expect(readFileSync(file, 'utf8')).toBe(text);
        expect(modeOf(file)).toBe(0o600);
        expect(readdirSync(tmp)).toEqual(['f']);
      }),
      { numRuns: 50 }, // each run fsyncs
    );
  });
});

describe('readPrivateJsonFile', () => {
  const Schema = z.object({ token: z.string().regex(/^[a-f0-9]{8}$/, 'must be 8 hex digits') }).strict();
  const REMEDY = 'remove it and try again';

  test('missing: undefined; valid: the data', () => {
    const file = path.join(tmp, 'state.json');
    expect(readPrivateJsonFile(file, Schema, REMEDY)).toBeUndefined();
    writePrivateFile(file, '{"token": "0123abcd"}');
    expect(readPrivateJsonFile(file, Schema, REMEDY)).toEqual({ token: '0123abcd' });
  });

  test('damaged: one line naming the file and the field, then the remedy, never the value', () => {
    const file = path.join(tmp, 'state.json');
    writePrivateFile(file, '{"token": "SECRET-NOT-HEX"}');
    expect(() => readPrivateJsonFile(file, Schema, REMEDY)).toThrow(`${file}: token: must be 8 hex digits; ${REMEDY}`);
    expect(() => readPrivateJsonFile(file, Schema, REMEDY)).not.toThrow(/SECRET/);
    writePrivateFile(file, '{"token": "SECRET');
    expect(() => readPrivateJsonFile(file, Schema, REMEDY)).toThrow(`${file}: not JSON; ${REMEDY}`);
    expect(() => readPrivateJsonFile(file, Schema, REMEDY)).not.toThrow(/SECRET/);
  });

  test('a file readable by others is set back to 0600', () => {
    const file = path.join(tmp, 'state.json');
    writeFileSync(file, '{"token": "0123abcd"}', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    readPrivateJsonFile(file, Schema, REMEDY);
    expect(modeOf(file)).toBe(0o600);
  });
});
