import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The nearest folder at or above `fromDir` that holds a package.json: the repo root, found from a file's own
 * `__dirname` so that it works from the sources and from dist/ alike (and in an image, where package.json
 * sits next to dist/). undefined when there is none up to the file system's root: the caller decides.
 */
export function findRepoRoot(fromDir: string): string | undefined {
  let dir = path.resolve(fromDir);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
