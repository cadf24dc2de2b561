#!/usr/bin/env node
// npm run lab:kill-agent -- [--restore] <host> — crash one host's Consul client agent (SIGKILL to its container
// only; the host's network and services stay up) and print, in seconds, when each part of the lab noticed: the
// servers mark the agent failed (serfHealth) → every service on the host leaves Consul's passing set → Nginx
// drops its workshop instances. Then it asks one of those instances itself: it still answers /health, but
// nobody vouches for it any more. `--restore` starts the agent again: it re-reads its services and checks from
// its data dir (a named volume) and the host comes back without any service re-registering.
// The work: scripts/lib/hosts/killAgent.ts, run by the experiment engine (scripts/lib/experiment/).
import { durationOption } from '../services/shared/cli';
import { LAB_HOSTS } from './lib/docker/labServices';
import { runLabCommand } from './lib/experiment/command';
import { agentHost, killAgent } from './lib/hosts/killAgent';

void runLabCommand({
  name: 'lab:kill-agent',
  description: "Crash one host's Consul agent (SIGKILL) and time how fast Consul and Nginx stop routing to the host's services",
  flags: (program) =>
    program
      .argument(
        '<host>',
        `the host whose agent to kill: ${LAB_HOSTS.slice(1)
          .map((h) => h.name)
          .join(', ')} (host-a's agent serves this machine and is refused)`,
      )
      .option('--restore', 'start the agent again (docker start) and time how fast the host is back')
      .addOption(durationOption('-t, --timeout <duration>', 'stop watching after this long', 60_000))
      .addHelpText(
        'after',
        '\nA SIGKILL (docker kill) is a crashed agent: it says no goodbye, so the servers have to notice through gossip\n' +
          "(serfHealth critical) and every service on the host leaves Consul's passing set while it keeps running.\n" +
          'A graceful stop (docker stop, SIGTERM) would be a different lesson: the agent LEAVES the cluster and its\n' +
          'services are deregistered from the catalog.\n',
      ),
  prepare: (program) => {
    const opts = program.opts<{ project?: string; restore?: boolean; timeout: number }>();
    const restore = !!opts.restore;
    // Bad input (an unknown host, host-a) is refused before touching Docker.
    const host = agentHost(program.args[0], restore, opts.project);
    return (lab) => killAgent(lab, host, { restore, timeoutMs: opts.timeout });
  },
});
