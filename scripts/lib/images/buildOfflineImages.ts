import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { consulToolPath, pinnedConsulVersion } from './pinnedVersions';
import { INPUTS_LABEL, buildImage, imageId, imageInputsHash, importRootfs } from './dockerBuild';
import { dirParts, inputsHash, listFiles } from './inputsHash';
import { spawnLines } from './spawnLines';

const execFileP = promisify(execFile);

/** The offline images, by role. `.env.offline` names the same tags. */
export const OFFLINE_IMAGES = {
  base: 'consul-lab/base:offline',
  consul: 'consul-lab/consul:offline',
  consulTemplate: 'consul-lab/consul-template:offline',
  nginxBase: 'consul-lab/nginx-base:offline',
  node: 'consul-lab/node:offline',
  services: 'consul-lab/services:offline',
  nginx: 'consul-lab/nginx:offline',
} as const;

/** Where the build says what it is doing, one line at a time (not term/progress.ts's Progress, which stamps them). */
export type SayLine = (msg: string) => void;

export interface PlanOptions {
  repoRoot: string;
  docker: Docker;
  progress: SayLine;
  /** Rebuild even when the inputs hash matches. */
  force?: boolean;
  /** Debian mirror for debootstrap (also what apt inside the images uses). */
  mirror?: string;
}

export interface ImageResult {
  tag: string;
  action: 'cached' | 'built';
  seconds: number;
}

// Bump when the base recipe changes in a way the hash cannot see.
const BASE_RECIPE = 'debootstrap --variant=minbase bookworm; apt lists+archives cleaned; v1';
export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

/** The inputs hash of the debootstrap base: lab:images' set-up compares it to decide whether root/debootstrap are needed. */
export function baseInputsHash(mirror: string = DEFAULT_MIRROR): Promise<string> {
  return inputsHash([BASE_RECIPE, mirror]);
}

/** How the offline Consul image is made: .env's version, the binary install-tools.sh built for it. */
export function consulImageInputs(repoRoot: string): { version: string; binary: string; buildArgs: Record<string, string> } {
  const version = pinnedConsulVersion(repoRoot);
  return { version, binary: consulToolPath(repoRoot, version), buildArgs: { CONSUL_VERSION: version } };
}

const TOOLS_HINT = 'run "npm run lab:images" (it installs them) or "bash scripts/tools/install-tools.sh --binaries"';

/** Build every offline image that is missing or whose inputs changed, in dependency order. */
export async function buildOfflineImages(opts: PlanOptions): Promise<ImageResult[]> {
  const { repoRoot, docker, progress } = opts;
  const imagesDir = path.join(repoRoot, 'images');
  const results: ImageResult[] = [];
  const staging = mkdtempSync(path.join(os.tmpdir(), 'consul-lab-images-'));
  try {
    // One step: skip when the image exists with the same inputs hash, else build and label it.
    const step = async (tag: string, hash: string, build: (labels: Record<string, string>) => Promise<void>): Promise<void> => {
      const t0 = Date.now();
      const have = await imageInputsHash(docker, tag);
      if (!opts.force && have === hash) {
        progress(`${tag}: up to date (inputs ${hash})`);
        results.push({ tag, action: 'cached', seconds: 0 });
        return;
      }
      progress(`${tag}: building (${have === undefined ? 'missing' : 'inputs changed'})`);
      const previous = have === undefined ? undefined : await imageId(docker, tag);
      await build({ [INPUTS_LABEL]: hash });
      // The old build lost its tag: remove it so rebuilds don't pile up dangling images
      // (Docker refuses while a container or a child image still uses it; that is fine).
      if (previous && previous !== (await imageId(docker, tag)))
        await docker
          .getImage(previous)
          .remove()
          .catch(() => undefined);
      const seconds = (Date.now() - t0) / 1000;
      progress(`${tag}: built in ${seconds.toFixed(1)} s`);
      results.push({ tag, action: 'built', seconds });
    };
    const showStep = (line: string): void => {
      if (/^Step \d+\/\d+ :/.test(line)) progress(`  ${line.length > 110 ? line.slice(0, 107) + '...' : line}`);
    };
    /** Copy images/<name>/ plus extra files into a fresh staging dir; returns it. */
    const stage = (name: string, extra: Array<{ from: string; to: string }>): string => {
      const dir = path.join(staging, name);
      cpSync(path.join(imagesDir, name), dir, { recursive: true });
      for (const e of extra) cpSync(e.from, path.join(dir, e.to), { recursive: true });
      return dir;
    };
    const simple = async (
      name: string,
      tag: string,
      binaries: Array<{ from: string; to: string }>,
      parent: string,
      args: Record<string, string> = {},
    ): Promise<void> => {
      for (const b of binaries) if (!existsSync(b.from)) throw new Error(`${b.from} not found: ${TOOLS_HINT}`);
      const hash = await inputsHash([
        `parent:${await imageId(docker, parent)}`,
        ...Object.entries(args).map(([k, v]) => `arg:${k}=${v}`),
        ...dirParts(path.join(imagesDir, name)),
        ...binaries.map((b) => ({ file: b.from, as: b.to })),
      ]);
      await step(tag, hash, async (labels) => {
        const dir = stage(name, binaries);
        await buildImage(docker, {
          contextDir: dir,
          entries: readdirSync(dir),
          tag,
          labels,
          buildArgs: { BASE_IMAGE: parent, ...args },
          onLine: showStep,
        });
      });
    };

    // 1. Base: debootstrap + docker import (the slow one, ~30-60 s; cached by its recipe).
    const mirror = opts.mirror ?? DEFAULT_MIRROR;
    await step(OFFLINE_IMAGES.base, await baseInputsHash(mirror), async (labels) => {
      const rootfs = path.join(staging, 'rootfs');
      await debootstrap(rootfs, mirror, progress);
      progress('  docker import of the root filesystem');
      const changes = [
        ...Object.entries(labels).map(([k, v]) => `LABEL ${k}=${v}`),
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'CMD ["/bin/bash"]',
      ];
      await importRootfs(docker, rootfs, OFFLINE_IMAGES.base, changes);
      rmSync(rootfs, { recursive: true, force: true });
    });

    // 2. The tool images: binaries already on this machine (.tools/ from install-tools.sh, node).
    //    Consul: the version .env pins (the build checks the binary says so).
    const tools = path.join(repoRoot, '.tools');
    const consul = consulImageInputs(repoRoot);
    await simple('consul', OFFLINE_IMAGES.consul, [{ from: consul.binary, to: 'consul' }], OFFLINE_IMAGES.base, consul.buildArgs);
    await simple(
      'consul-template',
      OFFLINE_IMAGES.consulTemplate,
      [{ from: path.join(tools, 'bin/consul-template'), to: 'consul-template' }],
      OFFLINE_IMAGES.base,
    );
    await simple('nginx-base', OFFLINE_IMAGES.nginxBase, [], OFFLINE_IMAGES.base);
    await simple('node', OFFLINE_IMAGES.node, [{ from: process.execPath, to: 'node' }], OFFLINE_IMAGES.base);

    // 3. The services image: compiled dist/services + production node_modules from this checkout.
    const dist = path.join(repoRoot, 'dist', 'services');
    // The lab view's page: not compiled, so not in dist/; the image has it where lab-view looks (beside package.json).
    const labViewPublic = path.join(repoRoot, 'services', 'lab-view', 'public');
    for (const cli of [
      'consul-demo/cli.js',
      'workshop-api/cli.js',
      'lab-view/cli.js',
      'registrator/cli.js',
      'inventory-db/cli.js',
      'inventory-client/cli.js',
    ]) {
      if (!existsSync(path.join(dist, cli))) throw new Error(`dist/services/${cli} not found: run "npm run build" first`);
    }
    const prodModules = await productionModules(repoRoot);
    const servicesHash = await inputsHash([
      `parent:${await imageId(docker, OFFLINE_IMAGES.node)}`,
      ...dirParts(path.join(imagesDir, 'services')),
      { file: path.join(repoRoot, 'package.json'), as: 'package.json' },
      { file: path.join(repoRoot, 'package-lock.json'), as: 'package-lock.json' },
      `modules:${prodModules.join(',')}`,
      ...dirParts(dist, (rel) => rel.endsWith('.map')),
      ...dirParts(labViewPublic),
    ]);
    await step(OFFLINE_IMAGES.services, servicesHash, async (labels) => {
      const dir = stage('services', [{ from: path.join(repoRoot, 'package.json'), to: 'package.json' }]);
      cpSync(dist, path.join(dir, 'dist', 'services'), { recursive: true, filter: (src) => !src.endsWith('.map') });
      cpSync(labViewPublic, path.join(dir, 'services', 'lab-view', 'public'), { recursive: true });
      for (const rel of prodModules) cpSync(path.join(repoRoot, rel), path.join(dir, rel), { recursive: true });
      mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
      progress(`  staged dist/services and ${prodModules.length} production packages`);
      await buildImage(docker, {
        contextDir: dir,
        entries: readdirSync(dir),
        tag: OFFLINE_IMAGES.services,
        labels,
        buildArgs: { NODE_IMAGE: OFFLINE_IMAGES.node },
        onLine: showStep,
      });
    });

    // 4. The lab's nginx image: the SAME nginx/Dockerfile as online, on the two offline bases.
    const nginxDir = path.join(repoRoot, 'nginx');
    if (!existsSync(path.join(nginxDir, 'Dockerfile'))) throw new Error('nginx/Dockerfile not found');
    const nginxArgs = { NGINX_IMAGE: OFFLINE_IMAGES.nginxBase, CONSUL_TEMPLATE_IMAGE: OFFLINE_IMAGES.consulTemplate };
    const nginxHash = await inputsHash([
      `parent:${await imageId(docker, OFFLINE_IMAGES.nginxBase)}`,
      `parent:${await imageId(docker, OFFLINE_IMAGES.consulTemplate)}`,
      ...dirParts(nginxDir),
    ]);
    await step(OFFLINE_IMAGES.nginx, nginxHash, async (labels) => {
      await buildImage(docker, {
        contextDir: nginxDir,
        entries: listFiles(nginxDir),
        tag: OFFLINE_IMAGES.nginx,
        labels,
        buildArgs: nginxArgs,
        onLine: showStep,
      });
    });
    return results;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** `debootstrap --variant=minbase bookworm`, then drop apt's caches (~80 MB) before import. */
async function debootstrap(rootfs: string, mirror: string, progress: SayLine): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('debootstrap needs root: run "npm run lab:images" as root (or with sudo)');
  const bin = ['/usr/sbin/debootstrap', '/sbin/debootstrap'].find((p) => existsSync(p));
  if (!bin) throw new Error('debootstrap not found: run "bash scripts/tools/install-tools.sh --docker" (or apt-get install debootstrap)');
  progress(`  debootstrap --variant=minbase bookworm (${mirror})`);
  const t0 = Date.now();
  let last = '';
  // debootstrap is chatty: one progress line every 10 s with its latest line, not every line.
  const ticker = setInterval(() => progress(`  debootstrap ${((Date.now() - t0) / 1000).toFixed(0)} s: ${last.slice(0, 80)}`), 10_000);
  const { code, tail } = await spawnLines(bin, ['--variant=minbase', 'bookworm', rootfs, mirror], {
    keep: 30,
    onLine: (line) => (last = line),
  }).finally(() => clearInterval(ticker));
  if (code !== 0) throw new Error(`debootstrap failed (exit ${code}):\n${tail.join('\n')}`);
  for (const rel of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
    for (const entry of readdirSync(path.join(rootfs, rel))) {
      if (entry !== 'partial' && entry !== 'lock') rmSync(path.join(rootfs, rel, entry), { recursive: true, force: true });
    }
  }
}

/**
 * Top-level directories of the production dependency tree (`npm ls --omit=dev`), relative to
 * the repo: what the runtime image needs, without jest, typescript or swc. Nested packages
 * come along inside their parent's directory.
 */
export async function productionModules(repoRoot: string): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await execFileP('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 }));
  } catch (err) {
    // npm ls exits 1 on problems such as extraneous packages but still lists the tree.
    stdout = (err as { stdout?: string }).stdout ?? '';
    if (!stdout) throw err;
  }
  const top = new Set<string>();
  for (const line of stdout.split('\n')) {
    const rel = path.relative(repoRoot, line.trim()).split(path.sep).join('/');
    const m = /^node_modules\/(@[^/]+\/[^/]+|[^@/][^/]*)/.exec(rel);
    if (m) top.add(`node_modules/${m[1]}`);
  }
  if (top.size === 0) throw new Error('no production node_modules found: run "npm ci" first');
  return [...top].sort();
}
