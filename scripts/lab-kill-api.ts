#!/usr/bin/env node
// npm run lab:kill-api [-- <name>] [--hard] — stop one workshop-api container and print, in seconds,
// when it left each place that routes to it: container stopped → out of Consul's passing set →
// gone from Nginx's upstream and page. Bring it back with `npm run lab:restore-api`.
// The work: scripts/lib/workshop/killApi.ts, run by the experiment engine (scripts/lib/experiment/).
import { durationOption } from '../services/shared/cli';
import { runLabCommand } from './lib/experiment/command';
import { killApi } from './lib/workshop/killApi';

void runLabCommand({
  name: 'lab:kill-api',
  description: 'Stop one workshop-api instance and time how fast Consul and Nginx stop routing to it',
  flags: (program) =>
    program
      .argument(
        '[name]',
        'instance name as on the Nginx page (api-1a2b3c), its Consul ID (workshop-api-1a2b3c), or a container name/id; default: one running instance',
      )
      .option('--hard', 'SIGKILL (docker kill): no graceful deregistration, Consul notices through the failing health check')
      .addOption(durationOption('-t, --timeout <duration>', 'stop watching after this long', 45_000)),
  prepare: (program) => {
    const opts = program.opts<{ hard?: boolean; timeout: number }>();
    return (lab) => killApi(lab, { name: program.args[0], hard: !!opts.hard, timeoutMs: opts.timeout });
  },
});
