import { productionModules } from './buildOfflineImages';
import { findRepoRoot } from '../../../services/shared/repoRoot';

const REPO_ROOT = findRepoRoot(__dirname)!;

// Reads this checkout's real node_modules through `npm ls --omit=dev`: what goes into the
// offline services image.
describe('productionModules', () => {
  test('lists the runtime dependencies and leaves the dev tool chain out', async () => {
    const mods = await productionModules(REPO_ROOT);
    for (const dep of ['express', 'consul', 'json5', 'zod', 'commander']) expect(mods).toContain(`node_modules/${dep}`);
    for (const dev of ['typescript', 'jest', '@swc/core', '@types/jest']) expect(mods).not.toContain(`node_modules/${dev}`);
    // Top-level package directories only (scoped ones as @scope/name), no duplicates.
    expect(mods.every((m) => /^node_modules\/(@[^/]+\/)?[^/@]+$/.test(m))).toBe(true);
    expect(new Set(mods).size).toBe(mods.length);
  }, 60_000);
});
