import { readFileSync } from 'node:fs';

/** The env file with the registry images (and the one place the Consul and consul-template versions are pinned). */
export const REGISTRY_ENV_FILE = '.env';
/** The env file with the air-gapped images `npm run lab:images` builds. */
export const OFFLINE_ENV_FILE = '.env.offline';

/** KEY=VALUE lines of a Compose env file (comments, blanks and `export ` prefixes allowed; quotes stripped). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    else v = v.replace(/\s+#.*$/, '');
    out[m[1]!] = v;
  }
  return out;
}

export function readEnvFile(file: string): Record<string, string> {
  return parseEnvFile(readFileSync(file, 'utf8'));
}

/**
 * The image references an env file pins (variables named *_IMAGE). A variable set in the shell wins,
 * as it does for Compose's interpolation.
 */
export function imageRefs(fileEnv: Record<string, string>, shellEnv: NodeJS.ProcessEnv = {}): string[] {
  return Object.entries(fileEnv)
    .filter(([k]) => /_IMAGE$/.test(k))
    .map(([k, v]) => shellEnv[k] || v)
    .filter(Boolean);
}
