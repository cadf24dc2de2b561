// The student's side of the classroom on disk: `LAB_STUDENT_DIR` (default `<repo>/.classroom-student/`, 0700,
// git-ignored) holds student.json (0600: the name, the student's own Consul token and the join info, which has
// the gossip key) and github.token (0600, only when --github-token was given). A re-run of lab:join with the same
// name reuses them (no second enrollment); lab:leave reads them to free the name, then removes them.
import { existsSync, readFileSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EnrollmentSchema } from './enrollClient';
import { JoinInfoSchema, type JoinInfo } from './joinInfo';
import { ensurePrivateDir, readPrivateJsonFile, writePrivateFile } from './privateFile';

export const STATE_FILE = 'student.json';
export const GITHUB_TOKEN_FILE = 'github.token';

/** `LAB_STUDENT_DIR`, else `<repo>/.classroom-student`. */
export function studentDir(repoRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.LAB_STUDENT_DIR || path.join(repoRoot, '.classroom-student'));
}

/** The enrollment service's answer (name, IDs, the student's own token and its expiry), kept with the join info. */
export const StudentStateSchema = z
  .object({
    // 2: the join info carries the classroom CA (TLS), the token an expiry.
    version: z.literal(2),
    ...EnrollmentSchema.shape,
    // The enrollment's fields keep their order in student.json; the name is also capped at 39 characters.
    name: EnrollmentSchema.shape.name.max(39),
    joinInfo: JoinInfoSchema,
    /** What the stack was last started with, so lab:leave brings down exactly that (Compose project, address). */
    project: z.string().min(1).optional(),
    address: z.string().optional(),
  })
  .strict();

export type StudentState = z.infer<typeof StudentStateSchema>;

export function writeStudentState(dir: string, state: StudentState): void {
  ensurePrivateDir(dir);
  writePrivateFile(path.join(dir, STATE_FILE), JSON.stringify(StudentStateSchema.parse(state), null, 2) + '\n');
}

/**
 * student.json, or undefined when there is none. A damaged file is one line naming the field, never a value
 * (the file holds a token and the gossip key).
 */
export function readStudentState(dir: string): StudentState | undefined {
  return readPrivateJsonFile(path.join(dir, STATE_FILE), StudentStateSchema, 'remove it (npm run lab:leave -- --forget) and join again');
}

export function writeGithubToken(dir: string, token: string): void {
  ensurePrivateDir(dir);
  writePrivateFile(path.join(dir, GITHUB_TOKEN_FILE), token + '\n');
}

export function readGithubToken(dir: string): string | undefined {
  const file = path.join(dir, GITHUB_TOKEN_FILE);
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8').trim() || undefined;
}

/** Removes student.json and github.token, then the folder when nothing else is in it. */
export function removeStudentState(dir: string): void {
  for (const f of [STATE_FILE, GITHUB_TOKEN_FILE]) rmSync(path.join(dir, f), { force: true });
  if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
}

/**
 * Whether saved state can be reused for this join: same name and same class (enrollment service and gossip
 * key). Otherwise one line saying what is in the way.
 */
export function reuseConflict(state: StudentState, name: string, joinInfo: JoinInfo): string | undefined {
  if (state.name !== name) {
    return `this machine already joined as "${state.name}": run npm run lab:leave first, then join as "${name}"`;
  }
  if (
    state.joinInfo.enrollUrl !== joinInfo.enrollUrl ||
    state.joinInfo.gossipKey !== joinInfo.gossipKey ||
    state.joinInfo.ca !== joinInfo.ca
  ) {
    return `this machine joined another class (instructor ${state.joinInfo.instructor}) as "${state.name}": run npm run lab:leave first`;
  }
  if (state.expirationTime && Date.parse(state.expirationTime) <= Date.now()) {
    return `your token from this class expired at ${state.expirationTime}: run npm run lab:leave -- --forget, then lab:join again (if the name is still taken, the instructor frees it: npm run lab:roster -- --free ${state.name})`;
  }
  return undefined;
}
