import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expectedConsulVersion } from '../../../test/harness/consul';
import { consulToolPath, parseConsulVersion, pinnedVersions, versionTag } from './pinnedVersions';
import { readEnvFile } from '../docker/envFile';
import { consulImageInputs } from './buildOfflineImages';
import { findRepoRoot } from '../../../services/shared/repoRoot';

const ROOT = findRepoRoot(__dirname)!;
const read = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');

describe('one Consul version, in .env', () => {
  const env = readEnvFile(path.join(ROOT, '.env'));
  const pinned = pinnedVersions(ROOT);

  test('.env pins X.Y.Z tags for Consul and consul-template', () => {
    expect(pinned.consul).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pinned.consulTemplate).toMatch(/^\d+\.\d+\.\d+$/);
    expect(env.CONSUL_IMAGE).toBe(`hashicorp/consul:${pinned.consul}`);
  });

  test('the tools script reads the same versions (what npm test and lab:images install)', () => {
    const out = execFileSync('bash', [path.join(ROOT, 'scripts/tools/install-tools.sh'), '--print-versions'], { encoding: 'utf8' });
    expect(out).toBe(`consul=${pinned.consul}\nconsul-template=${pinned.consulTemplate}\n`);
    // ...and has no version of its own written in it.
    expect(read('scripts/tools/install-tools.sh')).not.toMatch(/(CONSUL|TEMPLATE)_VERSION="?v?\d/);
  });

  test('the offline Consul image is built from that version (and its Dockerfile names none)', () => {
    const inputs = consulImageInputs(ROOT);
    expect(inputs.version).toBe(pinned.consul);
    expect(inputs.buildArgs).toEqual({ CONSUL_VERSION: pinned.consul });
    expect(inputs.binary).toBe(consulToolPath(ROOT, pinned.consul));
    const dockerfile = read('images/consul/Dockerfile');
    expect(dockerfile).toMatch(/^ARG CONSUL_VERSION$/m);
    expect(dockerfile).not.toMatch(/\b1\.\d+\.\d+\b/);
  });

  test('the test harness expects that version', () => {
    expect(expectedConsulVersion()).toBe(pinned.consul);
  });

  test("docker-compose.yml's fallbacks and nginx/Dockerfile's default agree with .env", () => {
    const compose = read('docker-compose.yml');
    const fallbacks = (name: string): string[] => [...compose.matchAll(new RegExp(`\\$\\{${name}:-([^}]+)\\}`, 'g'))].map((m) => m[1]!);
    expect(fallbacks('CONSUL_IMAGE').length).toBeGreaterThan(0);
    expect(new Set(fallbacks('CONSUL_IMAGE'))).toEqual(new Set([env.CONSUL_IMAGE]));
    expect(new Set(fallbacks('CONSUL_TEMPLATE_IMAGE'))).toEqual(new Set([env.CONSUL_TEMPLATE_IMAGE]));
    expect(read('nginx/Dockerfile')).toMatch(
      new RegExp(`^ARG CONSUL_TEMPLATE_IMAGE=${env.CONSUL_TEMPLATE_IMAGE!.replace(/\./g, '\\.')}$`, 'm'),
    );
  });

  test('version parsing', () => {
    expect(versionTag('hashicorp/consul:1.20.5')).toBe('1.20.5');
    expect(versionTag('consul-lab/consul:offline')).toBeUndefined();
    expect(versionTag('localhost:5000/consul')).toBeUndefined();
    expect(parseConsulVersion('Consul v1.20.5\nRevision \nBuild Date 1970-01-01T00:00:01Z\n')).toBe('1.20.5');
    expect(parseConsulVersion('Consul v1.8.7\nProtocol 2 spoken by default')).toBe('1.8.7');
    expect(parseConsulVersion('nope')).toBeUndefined();
  });
});
