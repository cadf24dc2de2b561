import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../shared/config';
import { defaultAdvertiseAddress as defaultHost } from '../shared/network';
import { loadWorkshopConfig } from './config';
import { defaultNameFromHostname } from './names';

const dir = mkdtempSync(path.join(os.tmpdir(), 'workshop-config-'));
const TOKEN = 'ghp_unitTestSecretToken1234567890';
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}
function loadError(opts: Parameters<typeof loadWorkshopConfig>[0]): ConfigError {
  try {
    loadWorkshopConfig(opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}
const noEnv = {} as NodeJS.ProcessEnv;

test('a valid JSON5 file (comments, trailing commas) loads with defaults filled in', () => {
  const f = file('ok.json5', `// comment\n{ name: "alice", token: "${TOKEN}", host: "10.0.0.7", port: 3001, }\n`);
  const cfg = loadWorkshopConfig({ file: f, env: noEnv });
  expect(cfg).toEqual({ name: 'alice', token: TOKEN, host: '10.0.0.7', port: 3001, bind: '0.0.0.0', id: 'workshop-alice' });
});

test('env overrides the file (name, host, port, token)', () => {
  const f = file('env.json5', `{ name: "alice", port: 3001 }`);
  const cfg = loadWorkshopConfig({
    file: f,
    env: { WORKSHOP_NAME: 'bob', WORKSHOP_HOST: '127.0.0.1', WORKSHOP_PORT: '4000', WORKSHOP_TOKEN: TOKEN } as NodeJS.ProcessEnv,
  });
  expect(cfg).toMatchObject({ name: 'bob', id: 'workshop-bob', host: '127.0.0.1', port: 4000, token: TOKEN });
});

test.each([
  ['JSON5 syntax error', 'syntax.json5', `{ name: "alice", token: "${TOKEN}" port: 1 }`, /syntax\.json5: invalid JSON5: /],
  ['missing name', 'noname.json5', `{ token: "${TOKEN}", port: 3001 }`, /noname\.json5: field "name": required/],
  ['port out of range', 'port.json5', `{ name: "alice", token: "${TOKEN}", port: 70000 }`, /port\.json5: field "port": must be 1-65535/],
  ['port not a number', 'portstr.json5', `{ name: "alice", port: "80" }`, /portstr\.json5: field "port": must be a number/],
  ['unknown field', 'unknown.json5', `{ name: "alice", token: "${TOKEN}", colour: "red" }`, /unknown\.json5: unknown field "colour"/],
  [
    'a name that is not safe in an ID and a URL',
    'badname.json5',
    `{ name: "Alice Smith/../x" }`,
    /badname\.json5: field "name": must be 1-40 of a-z/,
  ],
  [
    'a host that is neither IP nor host name',
    'badhost.json5',
    `{ name: "alice", host: "no such host!" }`,
    /badhost\.json5: field "host": must be an IP address or a host name/,
  ],
  ['not an object', 'array.json5', `[1, 2]`, /array\.json5: config must be an object/],
])('%s → ConfigError naming file and field, token never in the message', (_what, name, text, re) => {
  const err = loadError({ file: file(name, text), env: noEnv });
  expect(err.message).toMatch(re);
  expect(err.message).not.toContain(TOKEN);
  expect(err.message.split('\n')).toHaveLength(1);
});

test('an unreadable path is named with the reason', () => {
  const missing = path.join(dir, 'nope.json5');
  expect(loadError({ file: missing, env: noEnv }).message).toBe(`${missing}: cannot read config: file not found`);
  expect(loadError({ file: dir, env: noEnv }).message).toBe(`${dir}: cannot read config: is a directory`);
});

test('a bad WORKSHOP_PORT names the env var', () => {
  const f = file('ok2.json5', `{ name: "alice" }`);
  expect(loadError({ file: f, env: { WORKSHOP_PORT: '99999' } as NodeJS.ProcessEnv }).message).toMatch(/WORKSHOP_PORT/);
});

test('without a config file the name defaults to api-<first 6 chars of the hostname> (Compose replicas)', () => {
  const cfg = loadWorkshopConfig({ env: noEnv, hostname: '3f9a1c2b7d4e', interfaces: {} });
  expect(cfg).toMatchObject({ name: 'api-3f9a1c', id: 'workshop-api-3f9a1c', port: 8080, host: '127.0.0.1' });
  expect(defaultNameFromHostname('My_Laptop.local')).toBe('api-mylapt');
  expect(loadWorkshopConfig({ env: { WORKSHOP_NAME: 'zed' } as NodeJS.ProcessEnv, hostname: 'x' }).name).toBe('zed');
  expect(loadError({ env: { WORKSHOP_NAME: 'BAD NAME' } as NodeJS.ProcessEnv }).message).toMatch(
    /^environment \(no --config\): field "name"/,
  );
});

test('default host: the first non-internal IPv4, else 127.0.0.1', () => {
  const lo = { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '', internal: true, cidr: null } as const;
  const v6 = { address: 'fe80::1', netmask: 'ffff::', family: 'IPv6', mac: '', internal: false, cidr: null, scopeid: 1 } as const;
  const eth = { address: '172.18.0.5', netmask: '255.255.0.0', family: 'IPv4', mac: '', internal: false, cidr: null } as const;
  expect(defaultHost({ lo: [lo], eth0: [v6, eth] })).toBe('172.18.0.5');
  expect(defaultHost({ lo: [lo], eth0: [v6] })).toBe('127.0.0.1');
});
