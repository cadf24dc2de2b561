import { existsSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');
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
