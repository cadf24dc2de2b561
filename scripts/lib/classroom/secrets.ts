// The classroom's secrets, created on the first `lab:up --classroom` and reused after (a restarted lab keeps
// its gossip key, so the students' agents stay members; the same management token keeps ACL data valid).
// Files are 0600 in a 0700 directory; nothing here prints or logs a value.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { registerSecret } from '../../../services/shared/secrets';

export const SECRETS_FILE = 'secrets.json';
export const MANAGEMENT_TOKEN_FILE = 'management.token';
export const JOIN_FILE = 'join.json';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const ClassroomSecretsSchema = z
  .object({
    gossipKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be base64 of 32 bytes'),
    managementToken: z.string().regex(UUID, 'must be a UUID'),
    joinCode: z.string().regex(/^[a-z0-9-]{6,64}$/, 'must be 6-64 of a-z, 0-9, -'),
  })
  .strict();
export type ClassroomSecrets = z.infer<typeof ClassroomSecretsSchema>;

// Short, unambiguous words: the code is read off a projector and typed by 30 people.
const WORDS = [
  'kite', 'maple', 'river', 'stone', 'cloud', 'tiger', 'lemon', 'otter', 'cedar', 'piano',
  'comet', 'delta', 'ember', 'fjord', 'grape', 'harbor', 'igloo', 'jade', 'koala', 'lotus',
  'mango', 'nova', 'olive', 'pearl', 'quartz', 'robin', 'sage', 'tulip', 'umber', 'violet',
  'walnut', 'yarrow', 'zebra', 'acorn', 'birch', 'coral', 'dune', 'eagle', 'fern', 'gecko',
]; // prettier-ignore

/** `kite-maple-7421`: two words and four digits (~21 bits), enough against guessing in one room for one day. */
export function newJoinCode(rand: (max: number) => number = randomInt): string {
  const w = (): string => WORDS[rand(WORDS.length)]!;
  return `${w()}-${w()}-${String(rand(10000)).padStart(4, '0')}`;
}

export function newSecrets(): ClassroomSecrets {
  return { gossipKey: randomBytes(32).toString('base64'), managementToken: randomUUID(), joinCode: newJoinCode() };
}

/** The classroom dir: LAB_CLASSROOM_DIR, else `<repo>/.classroom`. */
export function classroomDir(repoRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.LAB_CLASSROOM_DIR || path.join(repoRoot, '.classroom'));
}

/** Create `dir` 0700 (or tighten it), so the files in it are private even before their own mode applies. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Write `text` to `file` as 0600, atomically (a crash never leaves half a secrets file). */
export function writePrivateFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/**
 * The classroom's secrets from `dir`, created when there are none. A damaged file is an error naming the
 * field (never its value), not silently replaced: new secrets would lock every joined student out.
 */
export function loadOrCreateSecrets(dir: string): { secrets: ClassroomSecrets; created: boolean } {
  ensurePrivateDir(dir);
  const file = path.join(dir, SECRETS_FILE);
  let secrets: ClassroomSecrets;
  let created = false;
  if (existsSync(file)) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new Error(`${file}: not JSON; delete it to start a new classroom (every student then joins again)`);
    }
    const r = ClassroomSecretsSchema.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new Error(
        `${file}: ${issue?.path.join('.') || '(top level)'}: ${issue?.message ?? 'invalid'}; delete it to start a new classroom (every student then joins again)`,
      );
    }
    secrets = r.data;
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  } else {
    secrets = newSecrets();
    writePrivateFile(file, JSON.stringify(secrets, null, 2) + '\n');
    created = true;
  }
  for (const v of Object.values(secrets)) registerSecret(v);
  // The token alone, for CONSUL_HTTP_TOKEN_FILE and the simulated classroom's JSON.
  writePrivateFile(path.join(dir, MANAGEMENT_TOKEN_FILE), secrets.managementToken + '\n');
  return { secrets, created };
}

/**
 * The token the instructor's lab scripts send to host-a's agent, which has no default token (anonymous reads only
 * nodes and services): CONSUL_HTTP_TOKEN when set, else the management token lab:up --classroom wrote in the
 * classroom dir, when there is one; else none (a normal lab without ACLs needs none).
 */
export function instructorConsulToken(repoRoot: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CONSUL_HTTP_TOKEN) return env.CONSUL_HTTP_TOKEN;
  const file = path.join(classroomDir(repoRoot, env), MANAGEMENT_TOKEN_FILE);
  if (!existsSync(file)) return undefined;
  const token = readFileSync(file, 'utf8').trim() || undefined;
  registerSecret(token);
  return token;
}
