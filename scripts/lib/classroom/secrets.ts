// The classroom's secrets. A new class (`lab:up --classroom`) makes new ones: gossip key, join code, management
// token, the instructor's preset tokens and the enrollment service's JWT key (the CA is tls.ts's). `--resume` keeps
// the class as it is (a restarted laptop keeps its students). Files are 0600 in a 0700 directory; nothing here prints
// or logs a value.
import { generateKeyPairSync, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { registerSecret } from '../../../services/shared/secrets';
import { newPresetTokenIds, PRESET_TOKEN_KEYS, type PresetTokenKey, type TokenIds } from './classroomTokens';
import { ensurePrivateDir, readPrivateJsonFile, writePrivateFile } from './privateFile';

// Also this module's API for tls.ts and lab-up.ts, which write the class's other private files.
export { ensurePrivateDir, writePrivateFile };

export const SECRETS_FILE = 'secrets.json';
export const MANAGEMENT_TOKEN_FILE = 'management.token';
export const JOIN_FILE = 'join.json';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** secrets.json's layout; a file of another version belongs to an earlier lab (a new class replaces it). */
export const SECRETS_VERSION = 2;

const TokenIdsSchema = z
  .object({ accessorId: z.string().regex(UUID, 'must be a UUID'), secretId: z.string().regex(UUID, 'must be a UUID') })
  .strict();

export const ClassroomSecretsSchema = z
  .object({
    version: z.literal(SECRETS_VERSION),
    gossipKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be base64 of 32 bytes'),
    managementToken: z.string().regex(UUID, 'must be a UUID'),
    joinCode: z.string().regex(/^[a-z0-9-]{6,64}$/, 'must be 6-64 of a-z, 0-9, -'),
    tokens: z
      .object(Object.fromEntries(PRESET_TOKEN_KEYS.map((k) => [k, TokenIdsSchema])) as Record<PresetTokenKey, typeof TokenIdsSchema>)
      .strict(),
    /** The enrollment service's ES256 signing key (PKCS#8 PEM): the students' auth method trusts its public half. */
    enrollmentJwtKey: z
      .string()
      .regex(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n?$/, 'must be a PKCS#8 PEM private key'),
  })
  .strict();
export type ClassroomSecrets = z.infer<typeof ClassroomSecretsSchema>;

// Short, unambiguous words: the code is read off a projector and typed by 30 people. 128 of them (7 bits each).
export const JOIN_CODE_WORDS = [
  'kite', 'maple', 'river', 'stone', 'cloud', 'tiger', 'lemon', 'otter', 'cedar', 'piano',
  'comet', 'delta', 'ember', 'fjord', 'grape', 'harbor', 'igloo', 'jade', 'koala', 'lotus',
  'mango', 'nova', 'olive', 'pearl', 'quartz', 'robin', 'sage', 'tulip', 'umber', 'violet',
  'walnut', 'yarrow', 'zebra', 'acorn', 'birch', 'coral', 'dune', 'eagle', 'fern', 'gecko',
  'anchor', 'badger', 'bamboo', 'basil', 'beacon', 'bison', 'canyon', 'cobalt', 'cactus', 'camel',
  'candle', 'cherry', 'cliff', 'clover', 'cobra', 'copper', 'crane', 'daisy', 'dolphin', 'dragon',
  'falcon', 'ferry', 'fig', 'flint', 'forest', 'fox', 'galaxy', 'garden', 'ginger', 'glacier',
  'hazel', 'heron', 'honey', 'island', 'ivory', 'jaguar', 'jasmine', 'jungle', 'kayak', 'kettle',
  'lagoon', 'lantern', 'lava', 'lilac', 'lion', 'llama', 'magnet', 'marble', 'meadow', 'melon',
  'meteor', 'mint', 'moose', 'nectar', 'nutmeg', 'oasis', 'ocean', 'orbit', 'orchid', 'owl',
  'panda', 'papaya', 'parrot', 'pepper', 'pine', 'planet', 'plum', 'pony', 'puffin', 'rabbit',
  'radar', 'raven', 'reef', 'rocket', 'saffron', 'salmon', 'sequoia', 'shell', 'silver', 'sparrow',
  'spruce', 'summit', 'thunder', 'timber', 'topaz', 'turtle', 'walrus', 'willow',
]; // prettier-ignore

/**
 * `kite-maple-river-27419`: three words of 128 and five digits, ~37.6 bits. Long enough that a per-address delay on
 * wrong codes (services/enrollment) is all the protection it needs: at one guess a second, one address needs ~3,000
 * years on average, so the enrollment service never has to lock an address out (a room behind one NAT would share it).
 */
export function newJoinCode(rand: (max: number) => number = randomInt): string {
  const w = (): string => JOIN_CODE_WORDS[rand(JOIN_CODE_WORDS.length)]!;
  return `${w()}-${w()}-${w()}-${String(rand(100000)).padStart(5, '0')}`;
}

/** A new ES256 key for the enrollment service's JWTs (PKCS#8 PEM). */
export function newJwtKey(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function newSecrets(): ClassroomSecrets {
  return {
    version: SECRETS_VERSION,
    gossipKey: randomBytes(32).toString('base64'),
    managementToken: randomUUID(),
    joinCode: newJoinCode(),
    tokens: newPresetTokenIds(),
    enrollmentJwtKey: newJwtKey(),
  };
}

/** The classroom dir: LAB_CLASSROOM_DIR, else `<repo>/.classroom`. */
export function classroomDir(repoRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.LAB_CLASSROOM_DIR || path.join(repoRoot, '.classroom'));
}

/** Every secret value of `secrets`, for redaction. */
export function secretValues(secrets: ClassroomSecrets): string[] {
  return [
    secrets.gossipKey,
    secrets.managementToken,
    secrets.joinCode,
    secrets.enrollmentJwtKey,
    ...Object.values<TokenIds>(secrets.tokens).map((t) => t.secretId),
  ];
}

/** secrets.json in `dir`, validated; undefined when there is none. A damaged file is an error naming the field, never its value. */
export function readSecrets(dir: string): ClassroomSecrets | undefined {
  return readPrivateJsonFile(
    path.join(dir, SECRETS_FILE),
    ClassroomSecretsSchema,
    'start a new class (lab:up --classroom without --resume) to replace it',
  );
}

/**
 * The class's secrets. `resume`: the ones in `dir` (an error when there are none: nothing to resume). Otherwise a new
 * class: new secrets replace any earlier ones (`previous` says whether there were, so lab:up clears the earlier
 * class's Consul data: its keyring and ACLs belong to the old secrets). The management token alone also goes to
 * management.token, for the instructor's own commands (lab:roster, lab:check).
 */
export function classSecrets(dir: string, resume: boolean): { secrets: ClassroomSecrets; previous: boolean } {
  ensurePrivateDir(dir);
  const previous = existsSync(path.join(dir, SECRETS_FILE));
  let secrets: ClassroomSecrets;
  if (resume) {
    const found = previous ? readSecrets(dir) : undefined;
    if (!found) throw new Error(`--resume: no class to resume in ${dir} (run lab:up --classroom to start one)`);
    secrets = found;
  } else {
    secrets = newSecrets();
    writePrivateFile(path.join(dir, SECRETS_FILE), JSON.stringify(secrets, null, 2) + '\n');
    // join.json of the earlier class holds its code and key: gone with it (lab:up writes the new one when the lab is up).
    rmSync(path.join(dir, JOIN_FILE), { force: true });
  }
  for (const v of secretValues(secrets)) registerSecret(v);
  writePrivateFile(path.join(dir, MANAGEMENT_TOKEN_FILE), secrets.managementToken + '\n');
  return { secrets, previous };
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
