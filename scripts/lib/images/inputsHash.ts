import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Files under `dir` (recursively), sorted, as paths relative to `dir`; `skip` filters by relative path. */
export function listFiles(dir: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (skip(r)) continue;
      if (entry.isDirectory()) walk(r);
      else if (entry.isFile() || entry.isSymbolicLink()) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/**
 * A short, stable hash of an image's inputs: literal strings (recipes, parent image ids) and
 * files (name + content; the file mode too, since an entrypoint losing +x changes the image).
 */
export async function inputsHash(parts: Array<string | { file: string; as?: string }>): Promise<string> {
  const h = createHash('sha256');
  for (const p of parts) {
    if (typeof p === 'string') {
      h.update(`s:${p}\n`);
    } else {
      const mode = statSync(p.file).mode & 0o111 ? 'x' : '-';
      h.update(`f:${p.as ?? p.file}:${mode}:${await hashFile(p.file)}\n`);
    }
  }
  return h.digest('hex').slice(0, 16);
}

/** Every file of a directory as hash parts named relative to `dir`. */
export function dirParts(dir: string, skip?: (rel: string) => boolean): Array<{ file: string; as: string }> {
  return listFiles(dir, skip).map((rel) => ({ file: path.join(dir, rel), as: `${path.basename(dir)}/${rel}` }));
}
