import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, loadConfigFile } from './config';

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
