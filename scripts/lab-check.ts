#!/usr/bin/env node
// npm run lab:check [exercise] — is the lab in the state a README exercise leads to? ✓ or ✗ per check, a hint
// for each ✗; exit 0 only when every check passes (1 otherwise, 2 for an unknown exercise). `me` checks a student's
// own machine in the class instead (scripts/lib/check/checkMe.ts).
// The work: scripts/lib/check/checkCommand.ts.
import { createProgram, runCli } from '../services/shared/cli';
import { DEFAULT_EXERCISE, EXERCISES, ME_EXERCISE } from '../services/exercises';
import { labCheck, liveCheckDeps, type CheckOptions } from './lib/check/checkCommand';
import { repoRoot } from './lib/docker/compose';
import { addProjectOption } from './lib/lab/options';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';

const NAME = 'lab:check';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(
    createProgram(NAME, 'Check that the lab is in the state a README exercise leads to (no exercise: the lab is up and whole)'),
  )
    .argument(
      '[exercise]',
      `one of ${EXERCISES.map((e) => e.id).join(', ')}, or ${ME_EXERCISE} (a student's own machine)`,
      DEFAULT_EXERCISE,
    )
    .option('--json', 'print the result as one JSON object');
  program.parse();
  return labCheck(String(program.args[0] ?? DEFAULT_EXERCISE), program.opts<CheckOptions>(), liveCheckDeps(repoRoot()));
});
