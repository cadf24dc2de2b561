// The commander options every lab command shares, so each command's --help reads the same.
import { Command, Option } from 'commander';
import { argParser } from '../../../services/shared/cli';
import { parseDurationMs } from '../../../services/shared/duration';

/** The -p/--project option every lab command takes (Compose's own flag name). */
export function addProjectOption(program: Command): Command {
  return program.option('-p, --project <name>', 'Compose project name of the lab (default: $COMPOSE_PROJECT_NAME or consul-lab)');
}

/** A duration flag (500ms, 15s, 3m) parsed to ms, whose help shows the default as written ("15s", not 15000). */
export function durationOption(flags: string, description: string, defaultValue: string): Option {
  const name = flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? flags;
  const parse = (v: string): number => parseDurationMs(v, name);
  return new Option(flags, description).argParser(argParser(parse)).default(parse(defaultValue), defaultValue);
}
