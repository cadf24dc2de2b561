import { existsSync } from 'node:fs';
import path from 'node:path';
import { findRepoRoot } from '../../services/shared/repoRoot';

const root = findRepoRoot(__dirname);
if (root === undefined) throw new Error(`no package.json above ${__dirname}: the harness runs inside the repo`);
export const REPO_ROOT = root;
export const TOOLS_BIN = path.join(REPO_ROOT, '.tools', 'bin');
export const DIST = path.join(REPO_ROOT, 'dist');

/** Path of a tool installed by scripts/tools/install-tools.sh; a clear error if it is missing. */
export function toolPath(name: 'consul' | 'consul-template' | 'nginx'): string {
  const p = path.join(TOOLS_BIN, name);
  if (!existsSync(p)) {
    throw new Error(`${name} not found at ${p}: run "npm run tools" (scripts/tools/install-tools.sh) first`);
  }
  return p;
}

/** A compiled CLI under dist/; tests run the real built program, so `npm run build` must have run. */
export function distPath(rel: string): string {
  const p = path.join(DIST, rel);
  if (!existsSync(p)) throw new Error(`${p} not found: run "npm run build" first`);
  return p;
}
