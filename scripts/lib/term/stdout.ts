/**
 * `npm run lab:status | head` closes stdout early; without this Node dies with an EPIPE stack trace.
 * A reader that stopped reading is not an error: exit quietly.
 */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
