import { MachineFacts, SetupNeeds, setupBlocker, setupSummary } from './setup';
import { imagesToPull, pullFailureReason } from './pull';

const versions = { consul: '1.20.5', consulTemplate: '0.41.1' };
const nothing: SetupNeeds = { base: false, consul: false, consulNeedsBuild: false, consulTemplate: false, versions };
const debianRoot: MachineFacts = { platform: 'linux', uid: 0, hasApt: true, hasDebootstrap: false, hasGo: true };

describe('lab:images set-up: stop at once with one line, or say what it will do', () => {
  test('a Debian root machine with Go can build everything from scratch', () => {
    const all: SetupNeeds = { base: true, consul: true, consulNeedsBuild: true, consulTemplate: true, versions };
    expect(setupBlocker(all, debianRoot)).toBeUndefined();
    expect(setupSummary(all, debianRoot)).toBe(
      'setting up: build Consul 1.20.5 from its Go module (first time ~4-15 min, then cached); go install consul-template 0.41.1 (~1-2 min); apt-get install debootstrap',
    );
    expect(setupSummary(nothing, debianRoot)).toBeUndefined();
  });

  test('what each missing piece needs, named with the command to run', () => {
    const base = { ...nothing, base: true };
    expect(setupBlocker(base, { ...debianRoot, uid: 1000 })).toBe(
      'building the Debian base image (debootstrap) needs root: run "sudo npm run lab:images"',
    );
    expect(setupBlocker(base, { ...debianRoot, hasApt: false })).toMatch(
      /^debootstrap is missing and this is not a Debian-family system \(no apt-get\): install debootstrap/,
    );
    expect(setupBlocker(base, { ...debianRoot, hasApt: false, hasDebootstrap: true })).toBeUndefined();
    expect(setupBlocker({ ...nothing, consul: true, consulNeedsBuild: true }, { ...debianRoot, hasGo: false })).toBe(
      'Consul 1.20.5 is built from its Go module: install Go 1.24.4 or newer (https://go.dev/dl), then run "npm run lab:images" again',
    );
    // Consul in this machine's cache (another clone built it): no Go needed.
    expect(setupBlocker({ ...nothing, consul: true }, { ...debianRoot, hasGo: false })).toBeUndefined();
    expect(setupBlocker(nothing, { ...debianRoot, platform: 'darwin' })).toMatch(/built on Linux.*npm run lab:up/);
    // Images already built and tools present: no root needed to refresh them.
    expect(setupBlocker(nothing, { ...debianRoot, uid: 1000, hasGo: false })).toBeUndefined();
  });
});

describe('lab:up: which registry images to pull', () => {
  const env = {
    CONSUL_IMAGE: 'hashicorp/consul:1.20.5',
    CONSUL_TEMPLATE_IMAGE: 'hashicorp/consul-template:0.41.1',
    NGINX_IMAGE: 'nginx:1.27-bookworm',
    NODE_IMAGE: 'node:20-bookworm-slim',
    LAB_SERVICES_IMAGE: 'consul-lab/services:latest',
    LAB_NGINX_IMAGE: 'consul-lab/nginx:latest',
  };
  test('the bases of a lab image only while that image is not built', () => {
    expect(imagesToPull(env, {}, () => false)).toEqual([
      'hashicorp/consul:1.20.5',
      'node:20-bookworm-slim',
      'nginx:1.27-bookworm',
      'hashicorp/consul-template:0.41.1',
    ]);
    const built = new Set(['consul-lab/services:latest', 'consul-lab/nginx:latest']);
    expect(imagesToPull(env, {}, (r) => built.has(r))).toEqual(['hashicorp/consul:1.20.5']);
    expect(imagesToPull(env, { CONSUL_IMAGE: 'mine/consul:1' }, (r) => built.has(r))).toEqual(['mine/consul:1']);
    expect(imagesToPull(env, {}, () => true)).toEqual([]);
  });
  test("the engine's reason, without dockerode's prefix", () => {
    const err = new Error(
      '(HTTP code 500) server error - Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host ',
    );
    expect(pullFailureReason(err)).toBe(
      'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host',
    );
  });
});
