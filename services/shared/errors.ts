/** Bad input from the user (flag, env var, config file): one-line message, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit code for bad input, as the lab's CLIs promise. */
export const EXIT_USAGE = 2;

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
