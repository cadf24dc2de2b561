import path from 'node:path';
import { readEnvFile, REGISTRY_ENV_FILE } from '../docker/envFile';

/*
 * The ONE place the lab's Consul and consul-template versions are written down is `.env`'s image tags
 * (CONSUL_IMAGE=hashicorp/consul:X.Y.Z, CONSUL_TEMPLATE_IMAGE=hashicorp/consul-template:X.Y.Z): what users
 * with a registry pull. The tools script (scripts/tools/install-tools.sh), the offline Consul image
 * (buildOfflineImages.ts) and the test harness (test/harness/consul.ts) all read it from there;
 * pinnedVersions.test.ts fails if any of them disagrees.
 */

/** `X.Y.Z` from an image reference `name:X.Y.Z`; undefined for other tags (latest, offline, digests). */
export function versionTag(ref: string): string | undefined {
  const m = /:(\d+\.\d+\.\d+)$/.exec(ref.trim());
  return m?.[1];
}

export interface PinnedVersions {
  consul: string;
  consulTemplate: string;
}

/** The versions .env pins; throws one line naming the variable when a tag is not X.Y.Z. */
export function pinnedVersions(repoRoot: string): PinnedVersions {
  const file = path.join(repoRoot, REGISTRY_ENV_FILE);
  const env = readEnvFile(file);
  const read = (name: string): string => {
    const v = versionTag(env[name] ?? '');
    if (!v) throw new Error(`cannot read a version from ${name} in ${file} (expected ${name}=<image>:X.Y.Z, found "${env[name] ?? ''}")`);
    return v;
  };
  return { consul: read('CONSUL_IMAGE'), consulTemplate: read('CONSUL_TEMPLATE_IMAGE') };
}

export function pinnedConsulVersion(repoRoot: string): string {
  return pinnedVersions(repoRoot).consul;
}

/** `1.20.5` from `consul version` output ("Consul v1.20.5\nBuild Date ..."). */
export function parseConsulVersion(output: string): string | undefined {
  return /^Consul v(\d+\.\d+\.\d+)\b/m.exec(output)?.[1];
}

/** Where install-tools.sh puts the Consul binary of a version (the offline image copies it from there). */
export function consulToolPath(repoRoot: string, version: string): string {
  return path.join(repoRoot, '.tools', `consul-${version}`, 'consul');
}
