import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkHost, composePluginCandidates, findComposePlugin, machineBinds, outsideSymlinkTargets } from './hostMounts';

describe('host mounts of a simulated machine', () => {
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'hostmounts-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  test('the compose plugin is looked for where the docker CLI looks, DOCKER_CONFIG first', () => {
    const c = composePluginCandidates({ DOCKER_CONFIG: '/cfg' }, '/home/u');
    expect(c[0]).toBe('/cfg/cli-plugins/docker-compose');
    expect(c).toContain('/usr/local/lib/docker/cli-plugins/docker-compose');
    expect(composePluginCandidates({}, '/home/u')[0]).toBe('/home/u/.docker/cli-plugins/docker-compose');
  });

  test('finds the first plugin that exists; says what to install when none does', () => {
    const real = path.join(tmp, 'b', 'docker-compose');
    mkdirSync(path.dirname(real));
    writeFileSync(real, '');
    expect(findComposePlugin([path.join(tmp, 'a', 'docker-compose'), real])).toBe(real);
    expect(() => findComposePlugin([path.join(tmp, 'a', 'docker-compose')])).toThrow(/Compose v2 plugin was not found.*install-tools/);
  });

  test("a worktree's node_modules symlink pointing outside the repo is mounted at its target too", () => {
    const repo = path.join(tmp, 'repo');
    const outside = path.join(tmp, 'main', 'node_modules');
    mkdirSync(path.join(repo, 'inner'), { recursive: true });
    mkdirSync(outside, { recursive: true });
    symlinkSync(outside, path.join(repo, 'node_modules'));
    symlinkSync(path.join(repo, 'inner'), path.join(repo, 'inside-link'));
    symlinkSync(path.join(tmp, 'nowhere'), path.join(repo, 'dangling'));
    expect(outsideSymlinkTargets(repo)).toEqual([outside]);
    expect(machineBinds(repo, '/usr/bin/node', '/p/docker-compose')).toEqual([
      `${repo}:/lab:ro`,
      `${outside}:${outside}:ro`,
      '/usr/bin/node:/usr/local/bin/node:ro',
      '/p/docker-compose:/usr/local/lib/docker/cli-plugins/docker-compose:ro',
      '/sys/fs/cgroup:/sys/fs/cgroup:rw',
    ]);
  });

  test('needs Linux and a built dist/', () => {
    expect(() => checkHost(tmp, 'darwin')).toThrow(/Linux host/);
    expect(() => checkHost(tmp, 'linux', ['dist/scripts/lab-up.js'])).toThrow(/dist\/scripts\/lab-up.js not found: run "npm run build"/);
    mkdirSync(path.join(tmp, 'dist', 'scripts'), { recursive: true });
    writeFileSync(path.join(tmp, 'dist', 'scripts', 'lab-up.js'), '');
    expect(() => checkHost(tmp, 'linux', ['dist/scripts/lab-up.js'])).not.toThrow();
  });
});
