import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { type DurationRange, formatDuration, parseDurationMs } from './duration';
import { EXIT_USAGE, UsageError, errorMessage } from './errors';
import { type IntRange, parseIntInRange } from './numbers';
import { redactSecrets } from './secrets';
import { terminalSafeLine } from './terminalText';

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

/** The long name of an option (`--watch` of `-w, --watch <duration>`), for messages. */
function longName(flags: string): string {
  return flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? flags;
}

export interface DurationOptionSettings {
  /** Checked while parsing, and shown in the help: `[1s to 10m]`. */
  range?: DurationRange;
  /** An env var that sets the option too (commander's `.env`). */
  env?: string;
  /** How the help writes a duration: the shortest form (`1m`) unless given, e.g. Consul's (`60s`). */
  format?: (ms: number) => string;
  /** What 0 means when the range allows it, for the help: `0 (off) or 500ms to 1m`. "off" unless given. */
  zeroMeans?: string;
}

/** A duration range for a flag's help: `1s to 10m`, `0 (off) or 500ms to 1m`. */
export function durationRangeHelp(range: DurationRange, format: (ms: number) => string = formatDuration, zeroMeans = 'off'): string {
  const lo = format(range.minMs ?? 0);
  return `${range.zeroAllowed ? `0 (${zeroMeans}) or ${lo}` : lo} to ${format(range.maxMs ?? 0)}`;
}

/**
 * A duration flag (`500ms`, `15s`, `3m`) parsed to ms by the shared parser, which names the flag and refuses
 * what is out of range (exit 2). The help shows the default as written (`15s`, not 15000) and the range.
 */
export function durationOption(flags: string, description: string, defaultMs: number, settings: DurationOptionSettings = {}): Option {
  const { range, env } = settings;
  const format = settings.format ?? formatDuration;
  const help = range ? `${description} [${durationRangeHelp(range, format, settings.zeroMeans)}]` : description;
  const name = longName(flags);
  const option = new Option(flags, help)
    .argParser(argParser((v: string) => parseDurationMs(v, name, range)))
    .default(defaultMs, format(defaultMs));
  return env ? option.env(env) : option;
}

/** A whole-number flag within `range` (shown in the help), refused with one line naming the flag otherwise. */
export function countOption(flags: string, description: string, defaultValue: number, range: IntRange, env?: string): Option {
  const name = longName(flags);
  const option = new Option(flags, `${description} [${range.min} to ${range.max}]`)
    .argParser(argParser((v: string) => parseIntInRange(v, name, range)))
    .default(defaultValue);
  return env ? option.env(env) : option;
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
    // One line, terminal-safe: a message may quote what came from elsewhere (Consul, a join file, a server's answer).
    process.stderr.write(`${name}: error: ${terminalSafeLine(redactSecrets(errorMessage(err)))}\n`);
    process.exitCode = usage ? EXIT_USAGE : 1;
  }
}
