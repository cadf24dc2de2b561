#!/usr/bin/env node
// npm run lab:check [exercise] — is the lab in the state a README exercise leads to? ✓ or ✗ per check, a hint
// for each ✗; exit 0 only when every check passes (1 otherwise, 2 for an unknown exercise).
import { createProgram, runCli } from '../services/shared/cli';
import { UsageError } from '../services/shared/errors';
import { checkExercise, DEFAULT_EXERCISE, EXERCISES, findExercise, gatherFacts, passed } from '../services/exercises';
import { readDemoRequests, renderResult } from './lib/check/labCheck';
import { instructorConsulToken } from './lib/classroom/secrets';
import { repoRoot } from './lib/docker/compose';
import { openLab } from './lib/lab/openLab';
import { addProjectOption } from './lib/lab/options';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';
import { terminalSafeJson } from '../services/shared/terminalText';

const NAME = 'lab:check';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(
    createProgram(NAME, 'Check that the lab is in the state a README exercise leads to (no exercise: the lab is up and whole)'),
  )
    .argument('[exercise]', `one of ${EXERCISES.map((e) => e.id).join(', ')}`, DEFAULT_EXERCISE)
    .option('--json', 'print the result as one JSON object');
  program.parse();
  const opts = program.opts<{ project?: string; json?: boolean }>();
  const id = String(program.args[0] ?? DEFAULT_EXERCISE);
  if (!findExercise(id)) {
    throw new UsageError(`unknown exercise "${id}": one of ${EXERCISES.map((e) => `${e.id} (${e.title})`).join(', ')}`);
  }

  const lab = await openLab(opts.project);
  try {
    const facts = await gatherFacts({
      consulUrl: lab.endpoints.consulUrl,
      nginxUrl: lab.endpoints.nginxUrl,
      // CONSUL_HTTP_TOKEN as the `consul` client does, else the classroom's management token when this machine ran
      // lab:up --classroom: host-a's agent has no default token there, and raft's state needs operator:read.
      consulToken: instructorConsulToken(repoRoot()),
      demoRequests: () => readDemoRequests(lab),
    });
    const result = checkExercise(id, facts);
    process.stdout.write((opts.json ? terminalSafeJson(result) : renderResult(result, lab.project)) + '\n');
    return passed(result) ? 0 : 1;
  } finally {
    lab.close();
  }
});
