import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { EXIT_USAGE, UsageError, errorMessage } from './errors';
import { redactSecrets } from './secrets';

/**
 * A commander program that reports bad input as one line on stderr and exits 2,
 * instead of commander's default exit code 1. `--help` still exits 0.
 */
export function createProgram(name: string, description: string): Command {
  const program = new Command(name);
  program.description(description).showHelpAfterError(false).exitOverride();
  program.configureOutput({
    // commander already prints "error: unknown option '--x'"; prefix the program name so it's one clear line.
    // Commander quotes the offending value, which may be an address with credentials: redact it too.
    outputError: (str, write) => write(`${name}: ${redactSecrets(str.trim())}\n`),
  });
  return program;
}

/** Wrap a parser so commander reports a UsageError's message as an invalid argument (exit 2). */
export function argParser<T>(parse: (value: string) => T): (value: string) => T {
  return (value: string) => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError(errorMessage(err));
    }
  };
}

/**
 * Run a CLI's main function: commander errors and UsageErrors exit 2 with one line,
 * other errors exit 1 with one line. Secrets are redacted from every message.
 */
export async function runCli(name: string, main: () => Promise<number | void>): Promise<void> {
  try {
    const code = await main();
    if (typeof code === 'number') process.exitCode = code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are not errors; commander has already printed the message.
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    const usage = err instanceof UsageError;
    process.stderr.write(`${name}: error: ${redactSecrets(errorMessage(err))}\n`);
    process.exitCode = usage ? EXIT_USAGE : 1;
  }
}
