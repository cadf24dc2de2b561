#!/usr/bin/env node
// npm run lab:scale-server [-- N] — scale demo-server to N replicas (default one more) with
// `docker compose up -d --scale`, starting new replicas one at a time so their restarts don't line up,
// then show the instances Consul returns and how the demo client's traffic spreads over them.
// The work: scripts/lib/experiment/scaleServer.ts, run by the experiment engine.
import { durationOption } from '../services/shared/cli';
import { parseScaleTarget } from './lib/demo/scalePlan';
import { runLabCommand } from './lib/experiment/command';
import { scaleServer } from './lib/experiment/scaleServer';

void runLabCommand({
  name: 'lab:scale-server',
  description: 'Scale demo-server (staggered) and show the client spreading its traffic',
  flags: (program) =>
    program
      .argument('[N]', 'number of demo-server replicas (default: one more than now)')
      .addOption(durationOption('-w, --watch <duration>', "how long to watch the demo client's traffic afterwards", 15_000))
      .option('--no-stagger', 'start all new replicas at once (to see what the stagger prevents)'),
  prepare: (program) => {
    const opts = program.opts<{ watch: number; stagger: boolean }>();
    const n = program.args[0];
    // Bad N is bad input: say so before touching Docker.
    if (n !== undefined) parseScaleTarget(n, 0);
    return (lab) => scaleServer(lab, { n, watchMs: opts.watch, stagger: opts.stagger });
  },
});
