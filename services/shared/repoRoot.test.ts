import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findRepoRoot } from './repoRoot';

test('walks up to the nearest folder with a package.json', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'root-'));
  writeFileSync(path.join(root, 'package.json'), '{}');
  const deep = path.join(root, 'dist', 'services', 'workshop-api');
  mkdirSync(deep, { recursive: true });
  expect(findRepoRoot(deep)).toBe(root);
  expect(findRepoRoot(root)).toBe(root);
});

test('this repo, from this very folder', () => {
  expect(findRepoRoot(__dirname)).toBe(path.resolve(__dirname, '..', '..'));
});

test('undefined when no folder up to the root has one', () => {
  expect(findRepoRoot('/')).toBeUndefined();
});
