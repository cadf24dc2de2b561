#!/usr/bin/env node
// npm run lab:restore-api [-- <name>...] — start stopped workshop-api containers again (docker start)
// and print, in seconds, when each is back: running → healthy → passing in Consul → in Nginx.
// The work: scripts/lib/workshop/restoreApi.ts, run by the experiment engine (scripts/lib/experiment/).
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import { openLab } from './lib/lab/openLab';
import { addProjectOption } from './lib/lab/options';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';
import { restoreApi } from './lib/workshop/restoreApi';

const NAME = 'lab:restore-api';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(
    createProgram(NAME, 'Start stopped workshop-api instances again and time how fast they are back in Consul and Nginx'),
  )
    .argument('[names...]', 'instance names (api-1a2b3c) or container names/ids; default: every stopped workshop-api container')
    .addOption(durationOption('-t, --timeout <duration>', 'stop watching after this long', 60_000));
  program.parse();
  const opts = program.opts<{ project?: string; timeout: number }>();

  const lab = await openLab(opts.project);
  try {
    return await restoreApi(lab, { names: program.args, timeoutMs: opts.timeout });
  } finally {
    lab.close();
  }
});
