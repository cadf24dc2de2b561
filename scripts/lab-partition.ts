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
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import { createConsulClient } from '../services/shared/consul/client';
import { findRunning } from './lib/docker/labContainers';
import { LAB_HOSTS, LabHost, NGINX_SERVICE } from './lib/docker/labServices';
import { connectHost, currentEndpoint, disconnectHost, findLabNetwork, healEndpoint, LabNetwork } from './lib/hosts/hostNetwork';
import {
  expectedHostEvents,
  hostDownEvents,
  hostUpEvents,
  loadHostWatch,
  markAlready,
  nodeChecksReader,
  otherHostsLines,
  passingByNode,
  passingInstances,
  snapshotHost,
  watchHost,
} from './lib/hosts/hostWatch';
import { hostCommand, resolveHost } from './lib/hosts/resolveHost';
import { openLab } from './lib/lab/openLab';
import { addProjectOption } from './lib/lab/options';
import { Progress } from './lib/term/progress';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';
import { formatSeconds } from './lib/term/table';
import { Timeline } from './lib/term/timeline';

const NAME = 'lab:partition';
const POLL_MS = 200;

/** The IP --heal will give the host back, when the network's subnet says. */
function derivedIp(host: LabHost, net: LabNetwork): string | undefined {
  try {
    return healEndpoint(host, net).ip;
  } catch {
    return undefined;
  }
}

const HEALING =
  "Healing needs nothing on the host: once packets flow, its memberlist hears the servers' gossip that it is dead " +
  '(they keep gossiping to a dead node for 30 s) and refutes it; after a longer partition, serf on both sides retries ' +
  'failed members every 30 s, so the way back can take up to ~30 s longer.';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(
    createProgram(
      NAME,
      'Cut one simulated host off the lab network (a real partition) and time how fast Consul and Nginx stop routing to it',
    ),
  )
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
    );
  program.parse();
  const opts = program.opts<{ project?: string; heal?: boolean; timeout: number }>();
  const heal = !!opts.heal;
  // host-a may be healed (someone disconnected it by hand), never partitioned by this command.
  const host = resolveHost(NAME, program.args[0], { refuseInstructor: !heal });

  const lab = await openLab(opts.project);
  const client = createConsulClient(lab.endpoints.consul);
  try {
    const owner = lab.containers.find((c) => c.service === host.name);
    if (!owner) throw new Error(`lab "${lab.project}" has no ${host.name} container: start it with \`npm run lab:up\``);
    if (owner.state !== 'running')
      throw new Error(`${host.name}'s container ${owner.name} is ${owner.state}: start it with \`docker start ${owner.name}\``);
    const net = await findLabNetwork(lab.docker, lab.project);
    const endpoint = await currentEndpoint(lab.docker, owner.id, net);
    const healCmd = hostCommand(NAME, lab.project, host.name, '--heal');

    if (!heal && !endpoint)
      throw new Error(`${host.name} is already partitioned (${owner.name} is not on ${net.name}); heal it: ${healCmd}`);
    if (heal && endpoint) {
      process.stdout.write(`${host.name} is not partitioned: ${owner.name} is on ${net.name} as ${endpoint.ip}; nothing to heal.\n`);
      return 0;
    }

    const nginx = findRunning(lab.containers, NGINX_SERVICE);
    const base = { docker: lab.docker, consul: lab.consul, nginxUrl: lab.endpoints.nginxUrl, nginxContainerId: nginx?.id };
    const { sides, watched, passingBefore } = await loadHostWatch(base, nodeChecksReader(client, lab.endpoints.consulUrl), host.name);
    const dir = heal ? 'up' : 'down';
    const events = heal ? hostUpEvents : hostDownEvents;
    const before = await snapshotHost(sides, watched, new Set(['serf', 'consul', 'upstream', 'page']));
    const progress = new Progress();

    // The timeline starts when Docker has answered: from then on the host is cut off (or connected again).
    let action: () => Promise<void>;
    if (!heal) {
      const ep = endpoint!;
      process.stdout.write(
        `Cutting ${host.name} off the lab network: docker network disconnect ${net.name} ${owner.name} ` +
          `(${ep.ip}, aliases ${ep.aliases.join(', ') || 'none'})\n`,
      );
      const derived = derivedIp(host, net);
      if (derived && derived !== ep.ip)
        process.stdout.write(`Note: ${host.name} is on ${ep.ip}, not ${derived}; --heal will bring it back on ${derived}.\n`);
      action = () => disconnectHost(lab.docker, owner.id, net);
    } else {
      const ep = healEndpoint(host, net);
      const aliases = ep.aliases.map((a) => `--alias ${a} `).join('');
      process.stdout.write(`Reconnecting ${host.name}: docker network connect --ip ${ep.ip} ${aliases}${net.name} ${owner.name}\n`);
      action = () => connectHost(lab.docker, owner.id, net, ep);
    }
    const t0 = Date.now();
    await action();
    const took = Date.now() - t0;

    const t = new Timeline();
    const first = heal ? `${host.name} reconnected to the lab network` : `${host.name} disconnected from the lab network`;
    t.mark('action', first, 0);
    progress.lineAt(0, `${first} (docker took ${took} ms)`);
    for (const e of expectedHostEvents(watched, dir, !!nginx)) t.expect(e.key, e.label);
    markAlready(t, events(before, watched), `already before the ${heal ? 'heal' : 'partition'}`, (ms, l) => progress.lineAt(ms, l));

    await watchHost(sides, t, watched, events, {
      timeoutMs: opts.timeout,
      pollMs: POLL_MS,
      onEvent: (atMs, label) => progress.lineAt(atMs, label),
    });

    process.stdout.write(
      `\nTimeline (${heal ? 'heal' : 'partition'} of ${host.name}; polled every ${POLL_MS} ms, so each time is exact to about ${formatSeconds(POLL_MS * 2)})\n`,
    );
    process.stdout.write(t.render(`not seen in ${formatSeconds(opts.timeout)}`) + '\n\n');
    const after = await passingInstances(sides).then(passingByNode, () => undefined);
    const others = LAB_HOSTS.map((h) => h.name).filter((n) => n !== host.name);
    for (const line of otherHostsLines(others, passingBefore, after)) process.stdout.write(`${line}\n`);
    if (heal) process.stdout.write(`${HEALING}\n`);
    else {
      process.stdout.write(
        `${host.name}'s agent and services are still running, cut off: \`docker exec ${owner.name} cat /proc/net/dev\` shows only lo.\n`,
      );
      process.stdout.write(`Heal it: ${healCmd}\n`);
    }
    return t.done() ? 0 : 1;
  } finally {
    client.destroy();
    lab.close();
  }
});
