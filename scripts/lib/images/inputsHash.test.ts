import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dirParts, inputsHash, listFiles } from './inputsHash';

describe('offline image inputs hash', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'images-hash-'));
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM base\n');
    writeFileSync(path.join(dir, 'sub', 'entry.sh'), '#!/bin/sh\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('lists files recursively, sorted, relative, with a skip filter', () => {
    expect(listFiles(dir)).toEqual(['Dockerfile', 'sub/entry.sh']);
    expect(listFiles(dir, (rel) => rel.endsWith('.sh'))).toEqual(['Dockerfile']);
  });

  test('same inputs give the same hash; content, mode, name or a parent id change it', async () => {
    const base = await inputsHash(['parent:sha256:1', ...dirParts(dir)]);
    expect(await inputsHash(['parent:sha256:1', ...dirParts(dir)])).toBe(base);
    expect(await inputsHash(['parent:sha256:2', ...dirParts(dir)])).not.toBe(base);

    chmodSync(path.join(dir, 'sub', 'entry.sh'), 0o755);
    const executable = await inputsHash(['parent:sha256:1', ...dirParts(dir)]);
    expect(executable).not.toBe(base);

    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM other\n');
    expect(await inputsHash(['parent:sha256:1', ...dirParts(dir)])).not.toBe(executable);

    const f = path.join(dir, 'Dockerfile');
    expect(await inputsHash([{ file: f, as: 'a' }])).not.toBe(await inputsHash([{ file: f, as: 'b' }]));
  });
});
