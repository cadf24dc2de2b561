import { readFileSync } from 'node:fs';
import JSON5 from 'json5';
import { z } from 'zod';
import { UsageError, errorMessage } from './errors';
import { redactSecrets } from './secrets';

/** A config file problem: names the file, the field and what is wrong. Exit code 2. */
export class ConfigError extends UsageError {
  override name = 'ConfigError';
}

function fieldPath(path: PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(top level)';
}

export function formatZodIssues(file: string, error: z.ZodError): string {
  const parts = error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    return `field "${fieldPath(issue.path)}": ${issue.message}`;
  });
  return `${file}: ${parts.join('; ')}`;
}

/** Read a JSON5 file; any read or syntax error becomes a ConfigError naming the file. */
export function readJson5File(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : errorMessage(err);
    throw new ConfigError(`${file}: cannot read config: ${why}`);
  }
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
