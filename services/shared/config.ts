import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import JSON5 from 'json5';
import { z } from 'zod';
import { UsageError, errorMessage } from './errors';
import { redactSecrets } from './secrets';
import { zodFieldPath } from './zodIssue';

/** A config file problem: names the file, the field and what is wrong. Exit code 2. */
export class ConfigError extends UsageError {
  override name = 'ConfigError';
}

export function formatZodIssues(file: string, error: z.ZodError): string {
  const parts = error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    return `field "${zodFieldPath(issue.path)}": ${issue.message}`;
  });
  return `${file}: ${parts.join('; ')}`;
}

/**
 * The largest config file read. A config is a few hundred bytes; without a limit a 200 MB file took over
 * 30 s and 1.9 GB of memory to parse before failing. Checked before reading (stat), and again while reading,
 * so a device (`--config /dev/zero`) whose size stat cannot tell is cut off too. A FIFO or a socket is refused
 * before opening: opening a FIFO with no writer would block start-up for good.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;

function readError(file: string, err: unknown): ConfigError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'file not found'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : errorMessage(err);
  return new ConfigError(`${file}: cannot read config: ${why}`);
}

function tooLarge(file: string, size?: number): ConfigError {
  const got = size === undefined ? 'more than that' : `${size} bytes`;
  return new ConfigError(`${file}: config file too large (${got}; the limit is 1 MiB = ${MAX_CONFIG_BYTES} bytes)`);
}

/** The file's text, refusing more than MAX_CONFIG_BYTES before reading it (stat) or while reading it. */
export function readConfigText(file: string): string {
  let fd: number;
  try {
    const st = statSync(file);
    if (st.isFIFO() || st.isSocket()) throw new ConfigError(`${file}: cannot read config: not a regular file`);
    fd = openSync(file, 'r');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw readError(file, err);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new ConfigError(`${file}: cannot read config: is a directory`);
    if (st.isFile() && st.size > MAX_CONFIG_BYTES) throw tooLarge(file, st.size);
    // One byte more than the limit tells "too large" from "exactly the limit".
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n > MAX_CONFIG_BYTES) throw tooLarge(file);
    }
    return buf.toString('utf8', 0, n);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw readError(file, err);
  } finally {
    closeSync(fd);
  }
}

/** Read a JSON5 file; any read or syntax error becomes a ConfigError naming the file. */
export function readJson5File(file: string): unknown {
  const text = readConfigText(file);
  try {
    return JSON5.parse(text);
  } catch (err) {
    // json5's messages say "JSON5: invalid character 'x' at 3:7"; never echo the file's text (it may hold a token).
    throw new ConfigError(`${file}: invalid JSON5: ${redactSecrets(errorMessage(err).replace(/^JSON5: /, ''))}`);
  }
}

/**
 * Load and validate a JSON5 config: file values, then `overrides` (e.g. from env) on top,
 * checked against `schema`. Errors name the file and field.
 */
export function loadConfigFile<S extends z.ZodType>(file: string, schema: S, overrides: Record<string, unknown> = {}): z.infer<S> {
  const raw = readJson5File(file);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${file}: config must be an object`);
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const result = schema.safeParse({ ...(raw as Record<string, unknown>), ...defined });
  if (!result.success) throw new ConfigError(formatZodIssues(file, result.error));
  return result.data;
}
