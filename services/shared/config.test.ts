import { execFileSync, spawn } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, MAX_CONFIG_BYTES, loadConfigFile, readJson5File } from './config';

const schema = z.strictObject({ name: z.string().min(1), port: z.number().int().min(1).max(65535) });
const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
const write = (name: string, text: string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

test('loads JSON5 and applies overrides', () => {
  const f = write('ok.json5', "{ name: 'ada', port: 8080, // comment\n }");
  expect(loadConfigFile(f, schema)).toEqual({ name: 'ada', port: 8080 });
  expect(loadConfigFile(f, schema, { port: 9090, name: undefined })).toEqual({ name: 'ada', port: 9090 });
});

test.each([
  ['syntax.json5', '{ name: ', /syntax\.json5: invalid JSON5/],
  ['missing.json5', '{ port: 1 }', /missing\.json5: field "name"/],
  ['range.json5', "{ name: 'a', port: 70000 }", /range\.json5: field "port"/],
  ['unknown.json5', "{ name: 'a', port: 1, colour: 'red' }", /unknown\.json5: unknown field "colour"/],
  ['array.json5', '[1]', /must be an object/],
])('%s gives a ConfigError naming file and field', (name, text, re) => {
  const f = write(name, text);
  expect(() => loadConfigFile(f, schema)).toThrow(ConfigError);
  expect(() => loadConfigFile(f, schema)).toThrow(re);
});

test('unreadable path', () => {
  expect(() => loadConfigFile(path.join(dir, 'nope.json5'), schema)).toThrow(/nope\.json5: cannot read config: file not found/);
});

describe('size limit (1 MiB), checked before parsing', () => {
  test('exactly 1 MiB is read; one byte more is refused in one line naming the file and the limit', () => {
    const ok = write('big-ok.json5', `{ name: 'a', port: 1 }`.padEnd(MAX_CONFIG_BYTES, ' '));
    expect(loadConfigFile(ok, schema)).toEqual({ name: 'a', port: 1 });
    const big = write('big.json5', `{ name: 'a', port: 1 }`.padEnd(MAX_CONFIG_BYTES + 1, ' '));
    expect(() => loadConfigFile(big, schema)).toThrow(ConfigError);
    expect(() => loadConfigFile(big, schema)).toThrow(`${big}: config file too large (1048577 bytes; the limit is 1 MiB = 1048576 bytes)`);
  });

  test('a 200 MB (sparse) file is refused at once, without reading it', () => {
    const p = path.join(dir, 'huge.json5');
    const fd = openSync(p, 'w');
    ftruncateSync(fd, 200 * 1024 * 1024);
    closeSync(fd);
    const t0 = Date.now();
    expect(() => readJson5File(p)).toThrow(/huge\.json5: config file too large \(209715200 bytes/);
    expect(Date.now() - t0).toBeLessThan(500);
  });

  test('a file whose size stat cannot tell (a device) is cut off after 1 MiB', () => {
    expect(() => readJson5File('/dev/zero')).toThrow(
      '/dev/zero: config file too large (more than that; the limit is 1 MiB = 1048576 bytes)',
    );
  });

  test('a directory still says so', () => {
    expect(() => readJson5File(dir)).toThrow(`${dir}: cannot read config: is a directory`);
  });
});

test('a FIFO is refused before opening it (opening one with no writer would block start-up for good)', () => {
  const fifo = path.join(dir, 'fifo.json5');
  execFileSync('mkfifo', [fifo]);
  // A writer that gives up after 3 s, so that if the FIFO were opened this test fails instead of hanging.
  const writer = spawn('sh', ['-c', 'exec 3>"$1"; sleep 3', 'sh', fifo], { stdio: 'ignore' });
  try {
    expect(() => readJson5File(fifo)).toThrow(`${fifo}: cannot read config: not a regular file`);
  } finally {
    writer.kill();
  }
});
