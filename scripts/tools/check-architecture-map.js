#!/usr/bin/env node
// Part of `npm run lint`: docs/architecture.md's "Folders" table names every folder under services/ and
// scripts/lib/ that git tracks, and every folder it names exists, so the map cannot fall behind the tree.
// Plain Node (no build step), so lint runs it before anything is compiled.
const { execFileSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const map = readFileSync(path.join(root, 'docs', 'architecture.md'), 'utf8');
const named = new Set([...map.matchAll(/^\| `([^`]+\/)`/gm)].map((m) => m[1]));
const tracked = execFileSync('git', ['ls-files', 'services', 'scripts/lib'], { cwd: root, encoding: 'utf8' }).split('\n');
const folders = new Set();
for (const file of tracked) {
  // Every folder on the way down, below services/ and scripts/lib/ themselves.
  const parts = file.split('/').slice(0, -1);
  const base = parts[0] === 'scripts' ? 2 : 1;
  for (let i = base + 1; i <= parts.length; i++) folders.add(`${parts.slice(0, i).join('/')}/`);
}
const missing = [...folders].filter((f) => !named.has(f)).sort();
const stale = [...named].filter((f) => /^(services|scripts\/lib)\//.test(f) && !existsSync(path.join(root, f))).sort();
for (const f of missing) console.error(`docs/architecture.md: the folder ${f} has no row in "Folders"`);
for (const f of stale) console.error(`docs/architecture.md: "Folders" names ${f}, which does not exist`);
process.exitCode = missing.length || stale.length ? 1 : 0;
