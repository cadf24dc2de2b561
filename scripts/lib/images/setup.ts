import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { consulToolPath, parseConsulVersion, pinnedVersions } from './pinnedVersions';
import { imageInputsHash } from './dockerBuild';
import { ImageResult, OFFLINE_IMAGES, PlanOptions, baseInputsHash, buildOfflineImages } from './buildOfflineImages';
import { spawnLines } from './spawnLines';

const execFileP = promisify(execFile);

/**
 * What `npm run lab:images` has to set up before it can build: decided BEFORE anything slow runs, so a
 * machine that cannot build fails at once with one line naming what to run (the issue: three errors,
 * the last after 74 s of building, before anything ran).
 */
export interface SetupNeeds {
  /** The debootstrap base image is missing or its recipe changed: needs root and debootstrap. */
  base: boolean;
  /** .tools/consul-<ver>/consul is missing (install-tools.sh builds it, or copies this machine's cached build). */
  consul: boolean;
  /** ...and this machine's cache does not have it either: building it needs Go. */
  consulNeedsBuild: boolean;
  /** .tools/bin/consul-template is missing or another version: `go install` needs Go. */
  consulTemplate: boolean;
  versions: { consul: string; consulTemplate: string };
}

export interface MachineFacts {
  platform: NodeJS.Platform;
  uid: number | undefined;
  /** A Debian-family system: apt-get can install debootstrap. */
  hasApt: boolean;
  hasDebootstrap: boolean;
  hasGo: boolean;
}

function onPath(cmd: string, extra: string[] = []): boolean {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...extra];
  return dirs.some((d) => existsSync(path.join(d, cmd)));
}

export function machineFacts(): MachineFacts {
  return {
    platform: process.platform,
    uid: process.getuid?.(),
    hasApt: onPath('apt-get', ['/usr/bin']) && existsSync('/etc/debian_version'),
    hasDebootstrap: onPath('debootstrap', ['/usr/sbin', '/sbin']),
    // PATH only, as install-tools.sh's `command -v go` sees it.
    hasGo: onPath('go'),
  };
}

/** Where install-tools.sh keeps built Consul binaries for every clone on this machine (same rule as the script). */
export function machineCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CONSUL_LAB_CACHE || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'consul-lab');
}

async function versionOutput(bin: string, arg: string): Promise<string> {
  if (!existsSync(bin)) return '';
  try {
    const { stdout, stderr } = await execFileP(bin, [arg], { timeout: 20_000 });
    return stdout + stderr;
  } catch {
    return '';
  }
}

export async function setupNeeds(repoRoot: string, docker: Docker, opts: { force?: boolean; mirror?: string } = {}): Promise<SetupNeeds> {
  const versions = pinnedVersions(repoRoot);
  const have = await imageInputsHash(docker, OFFLINE_IMAGES.base);
  const base = opts.force === true || have !== (await baseInputsHash(opts.mirror));
  const consul = parseConsulVersion(await versionOutput(consulToolPath(repoRoot, versions.consul), 'version')) !== versions.consul;
  const cached = path.join(machineCacheDir(), `consul-${versions.consul}`);
  const consulNeedsBuild = consul && parseConsulVersion(await versionOutput(cached, 'version')) !== versions.consul;
  const ct = await versionOutput(path.join(repoRoot, '.tools', 'bin', 'consul-template'), '-version');
  const consulTemplate = !new RegExp(`\\bv${versions.consulTemplate.replace(/\./g, '\\.')}\\b`).test(ct);
  return { base, consul, consulNeedsBuild, consulTemplate, versions };
}

/**
 * Why this machine cannot build the offline images, as one line naming exactly what to run; undefined
 * when it can (installing what is missing on the way).
 */
export function setupBlocker(needs: SetupNeeds, m: MachineFacts): string | undefined {
  if (m.platform !== 'linux') {
    return 'the air-gapped images are built on Linux (a debootstrap Debian base): on this machine use a registry with "npm run lab:up"';
  }
  if (needs.base) {
    if (m.uid !== 0) return 'building the Debian base image (debootstrap) needs root: run "sudo npm run lab:images"';
    if (!m.hasDebootstrap && !m.hasApt) {
      return 'debootstrap is missing and this is not a Debian-family system (no apt-get): install debootstrap with your package manager, then run "npm run lab:images" again';
    }
  }
  const goFor = [
    ...(needs.consulNeedsBuild ? [`Consul ${needs.versions.consul}`] : []),
    ...(needs.consulTemplate ? [`consul-template ${needs.versions.consulTemplate}`] : []),
  ];
  // Only whether go exists: its version is checked in one place, install-tools.sh's need_go (GO_MIN).
  if (goFor.length && !m.hasGo) {
    return `${goFor.join(' and ')} ${goFor.length > 1 ? 'are built from their Go modules' : 'is built from its Go module'}: install Go 1.24.4 or newer (https://go.dev/dl), then run "npm run lab:images" again`;
  }
  return undefined;
}

/** One line per thing set-up will do, for the user before it starts (or undefined when nothing is missing). */
export function setupSummary(needs: SetupNeeds, m: MachineFacts): string | undefined {
  const todo: string[] = [];
  if (needs.consulNeedsBuild) todo.push(`build Consul ${needs.versions.consul} from its Go module (first time ~4-15 min, then cached)`);
  else if (needs.consul) todo.push(`Consul ${needs.versions.consul} from this machine's cache`);
  if (needs.consulTemplate) todo.push(`go install consul-template ${needs.versions.consulTemplate} (~1-2 min)`);
  if (needs.base && !m.hasDebootstrap) todo.push('apt-get install debootstrap');
  return todo.length ? `setting up: ${todo.join('; ')}` : undefined;
}

export class SetupError extends Error {
  override name = 'SetupError';
}

/** Run install-tools.sh for what is missing; its progress lines go to `progress`. */
export async function installMissingTools(
  repoRoot: string,
  needs: SetupNeeds,
  m: MachineFacts,
  progress: (msg: string) => void,
): Promise<void> {
  const debootstrap = needs.base && !m.hasDebootstrap;
  if (!needs.consul && !needs.consulTemplate && !debootstrap) return;
  const mode = debootstrap ? '--images' : '--binaries';
  const script = path.join(repoRoot, 'scripts', 'tools', 'install-tools.sh');
  progress(`  bash scripts/tools/install-tools.sh ${mode}`);
  const { code, tail } = await spawnLines('bash', [script, mode], { cwd: repoRoot, keep: 20, onLine: (line) => progress(`  ${line}`) });
  if (code !== 0) {
    const err = [...tail].reverse().find((l) => /error/i.test(l)) ?? tail[tail.length - 1] ?? `exit ${code}`;
    throw new SetupError(`setting up the tools failed: ${err.replace(/^\[install-tools\] (error: )?/, '')}`);
  }
}

/** Why this machine cannot build the offline images right now (one line), or undefined when it can. */
export async function offlineBuildBlocker(repoRoot: string, docker: Docker): Promise<string | undefined> {
  return setupBlocker(await setupNeeds(repoRoot, docker), machineFacts());
}

/**
 * lab:images in full: check the machine (one line and stop if it cannot build), install what is missing
 * (with progress), then build the images (cached). lab:up uses the same when no registry answers.
 */
export async function setupAndBuildOfflineImages(opts: PlanOptions): Promise<ImageResult[]> {
  const facts = machineFacts();
  const needs = await setupNeeds(opts.repoRoot, opts.docker, { force: opts.force, mirror: opts.mirror });
  const blocker = setupBlocker(needs, facts);
  if (blocker) throw new SetupError(blocker);
  const summary = setupSummary(needs, facts);
  if (summary) opts.progress(summary);
  await installMissingTools(opts.repoRoot, needs, facts, opts.progress);
  return buildOfflineImages(opts);
}
