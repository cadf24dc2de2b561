// The one way the lab writes a secret to disk (classroom secrets, TLS keys, join.json, a student's token,
// classroom:sim's management token): a 0700 directory, files 0600, each replaced whole.
//
// Hand-written on purpose rather than write-file-atomic: that package opens its temporary file with flag "w"
// (no O_EXCL, so it follows a symlink or reuses a file already at its predictable name, whatever that file's mode)
// and chmods only after writing, copies the old file's owner, and installs signal-exit handlers in the process. A
// secret must never sit in a file with a wider mode, even for a moment; O_EXCL with mode 0600 makes that so.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import type { z } from 'zod';
import { firstZodIssue } from '../../../services/shared/zodIssue';

/** Create `dir` 0700, or set it to exactly 0700 when it exists with another mode. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}

/**
 * Write `text` to `file` as 0600, atomically. The temporary file beside it is created new (O_EXCL: never a file or
 * symlink that was already there) with mode 0600, which the umask can only narrow, so no one else can ever read
 * it; fchmod then makes it exactly 0600 (a narrow umask must not leave the owner unable to rewrite it). Its data
 * is fsynced before the rename, so a crash leaves the old file or the new one, never a truncated one; on any
 * error the temporary file is removed and the old file stays as it was.
 */
export function writePrivateFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let fd: number | undefined = openSync(tmp, 'wx', 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeFileSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * A private JSON file, validated by `schema`; undefined when there is none. A damaged file is one line naming the
 * file and the first bad field, never a value (these files hold secrets), then `remedy`: what to do about it. A
 * file found readable by others is set back to 0600.
 */
export function readPrivateJsonFile<S extends z.ZodType>(file: string, schema: S, remedy: string): z.infer<S> | undefined {
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`${file}: not JSON; ${remedy}`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw new Error(`${file}: ${firstZodIssue(r.error)}; ${remedy}`);
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return r.data;
}
