#!/usr/bin/env node
// npm run lab:restore-api [-- <name>...] — start stopped workshop-api containers again (docker start)
// and print, in seconds, when each is back: running → healthy → passing in Consul → in Nginx.
// The work: scripts/lib/workshop/restoreApi.ts, run by the experiment engine (scripts/lib/experiment/).
import { durationOption } from '../services/shared/cli';
import { runLabCommand } from './lib/experiment/command';
import { restoreApi } from './lib/workshop/restoreApi';

void runLabCommand({
  name: 'lab:restore-api',
  description: 'Start stopped workshop-api instances again and time how fast they are back in Consul and Nginx',
  flags: (program) =>
    program
      .argument('[names...]', 'instance names (api-1a2b3c) or container names/ids; default: every stopped workshop-api container')
      .addOption(durationOption('-t, --timeout <duration>', 'stop watching after this long', 60_000)),
  prepare: (program) => (lab) => restoreApi(lab, { names: program.args, timeoutMs: program.opts<{ timeout: number }>().timeout }),
});
