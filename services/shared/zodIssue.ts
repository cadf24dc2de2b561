import type { z } from 'zod';

/** `a.b.0`, or `(top level)` for an issue about the whole value. */
export function zodFieldPath(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(top level)';
}

/**
 * The first issue as one line, `<field>: <message>`, for files that may hold a secret: zod's own messages quote
 * types, never values, and ours name the rule, so the line is safe to print. Whitespace is folded so that a
 * message can never break the line.
 */
export function firstZodIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const field = issue ? zodFieldPath(issue.path) : '(top level)';
  return `${field}: ${(issue?.message ?? 'invalid').replace(/\s+/g, ' ')}`;
}
