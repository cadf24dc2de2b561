/**
 * The entry of a command that runs an experiment on the lab (lab:kill-api, lab:restore-api, lab:kill-agent,
 * lab:partition, lab:scale-server): its flags, `-p` included; then `prepare` reads them and refuses bad input before
 * Docker is touched; then the lab is opened, the experiment run and the lab closed. Errors go through runCli: one
 * line, exit 2 for bad input, 1 otherwise.
 */
import type { Command } from 'commander';
import { createProgram, runCli } from '../../../services/shared/cli';
import { openLab, type Lab } from '../lab/openLab';
import { addProjectOption } from '../lab/options';
import { exitQuietlyOnClosedStdout } from '../term/stdout';

export interface LabCommand {
  name: string;
  description: string;
  /** The command's own arguments and options. */
  flags: (program: Command) => Command;
  /** Reads the parsed flags (bad input throws here) and returns the run, which gets the open lab. */
  prepare: (program: Command) => (lab: Lab) => Promise<number>;
}

/** Run `c` as this process's command; the exit code is what its run returns. (`argv` and `open`: for tests.) */
export function runLabCommand(
  c: LabCommand,
  argv: string[] = process.argv,
  open: (project?: string) => Promise<Lab> = openLab,
): Promise<void> {
  exitQuietlyOnClosedStdout();
  return runCli(c.name, async () => {
    const program = c.flags(addProjectOption(createProgram(c.name, c.description)));
    program.parse(argv);
    const run = c.prepare(program);
    const lab = await open(program.opts<{ project?: string }>().project);
    try {
      return await run(lab);
    } finally {
      lab.close();
    }
  });
}
