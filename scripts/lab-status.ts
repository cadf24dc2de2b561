#!/usr/bin/env node
// npm run lab:status — what the running lab looks like right now: Consul members, service health,
// the demo client's success rate and the instances on the Nginx page. Every name in it comes from Consul (in
// classroom mode, from whoever joined): printed escaped, in the tables and in --json alike.
// The work: scripts/lib/lab/statusCommand.ts.
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import { addProjectOption } from './lib/lab/options';
import { labStatus, liveStatusDeps, type StatusOptions } from './lib/lab/statusCommand';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';

const NAME = 'lab:status';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(
    createProgram(NAME, 'Show the running lab: Consul members and leader, service health, demo client success rate, Nginx page'),
  )
    .addOption(durationOption('-w, --window <duration>', "how far back to read the demo client's requests", 60_000))
    .option('--json', 'print one JSON object instead of tables');
  program.parse();
  return labStatus(program.opts<StatusOptions>(), liveStatusDeps());
});
