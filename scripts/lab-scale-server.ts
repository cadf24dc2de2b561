#!/usr/bin/env node
// npm run lab:scale-server [-- N] — scale demo-server to N replicas (default one more) with
// `docker compose up -d --scale`, starting new replicas one at a time so their restarts don't line up,
// then show the instances Consul returns and how the demo client's traffic spreads over them.
// The work: scripts/lib/experiment/scaleServer.ts, run by the experiment engine.
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import { parseScaleTarget } from './lib/demo/scalePlan';
import { scaleServer } from './lib/experiment/scaleServer';
import { openLab } from './lib/lab/openLab';
import { addProjectOption } from './lib/lab/options';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';

const NAME = 'lab:scale-server';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(createProgram(NAME, 'Scale demo-server (staggered) and show the client spreading its traffic'))
    .argument('[N]', 'number of demo-server replicas (default: one more than now)')
    .addOption(durationOption('-w, --watch <duration>', "how long to watch the demo client's traffic afterwards", 15_000))
    .option('--no-stagger', 'start all new replicas at once (to see what the stagger prevents)');
  program.parse();
  const opts = program.opts<{ project?: string; watch: number; stagger: boolean }>();
  const n = program.args[0];
  // Bad N is bad input: say so before touching Docker.
  if (n !== undefined) parseScaleTarget(n, 0);

  const lab = await openLab(opts.project);
  try {
    return await scaleServer(lab, { n, watchMs: opts.watch, stagger: opts.stagger });
  } finally {
    lab.close();
  }
});
