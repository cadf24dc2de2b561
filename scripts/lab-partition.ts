#!/usr/bin/env node
// npm run lab:partition -- [--heal] <host> — cut one simulated host off the lab network (a real partition: its
// owner container, whose network namespace the host's agent and services share, is disconnected, so no packet
// goes in or out of anything on that host) and print, in seconds, when each part of the lab noticed: the
// servers mark its agent failed (serfHealth) → its services leave Consul's passing set → Nginx drops its
// workshop instances. `--heal` connects it again, with the same IP and alias, and times the way back.
//
// What healing depends on: nothing runs on host-b to "rejoin". Once packets flow, memberlist does it: the
// servers keep gossiping to a node they declared dead for 30 s (GossipToTheDeadTime), host-b hears the rumour of
// its own death and refutes it (a higher incarnation), and the servers mark it alive. After a longer partition
// that window is over; then serf's reconnect loop, which retries failed members every 30 s, brings it back, so
// a heal after a long partition can take up to ~30 s longer (measured: ~7 s after a short one, ~12 s after 75 s).
//
// The work: scripts/lib/hosts/partition.ts, run by the experiment engine (scripts/lib/experiment/).
import { durationOption } from '../services/shared/cli';
import { LAB_HOSTS } from './lib/docker/labServices';
import { runLabCommand } from './lib/experiment/command';
import { HEALING, partition } from './lib/hosts/partition';
import { resolveHost } from './lib/hosts/resolveHost';

void runLabCommand({
  name: 'lab:partition',
  description: 'Cut one simulated host off the lab network (a real partition) and time how fast Consul and Nginx stop routing to it',
  flags: (program) =>
    program
      .argument(
        '<host>',
        `the host to cut off: ${LAB_HOSTS.slice(1)
          .map((h) => h.name)
          .join(', ')} (host-a, the instructor's laptop, is refused)`,
      )
      .option('--heal', 'connect the host again (same IP and alias) and time how fast it is back')
      .addOption(durationOption('-t, --timeout <duration>', 'stop watching after this long', 60_000))
      .addHelpText(
        'after',
        "\nThe host's owner container leaves the lab network (docker network disconnect): its agent and every service on it\n" +
          'keep running but no packet gets in or out. The servers notice through gossip (serfHealth critical), which takes\n' +
          "every service on the host out of Consul's passing set at once, and Nginx drops its workshop instances.\n" +
          `\n${HEALING}\n`,
      ),
  prepare: (program) => {
    const opts = program.opts<{ heal?: boolean; timeout: number }>();
    const heal = !!opts.heal;
    // host-a may be healed (someone disconnected it by hand), never partitioned by this command.
    const host = resolveHost('lab:partition', program.args[0], { refuseInstructor: !heal });
    return (lab) => partition(lab, host, { heal, timeoutMs: opts.timeout });
  },
});
