#!/usr/bin/env node
// npm run lab:kill-agent -- [--restore] <host> — crash one host's Consul client agent (SIGKILL to its container
// only; the host's network and services stay up) and print, in seconds, when each part of the lab noticed: the
// servers mark the agent failed (serfHealth) → every service on the host leaves Consul's passing set → Nginx
// drops its workshop instances. Then it asks one of those instances itself: it still answers /health, but
// nobody vouches for it any more. `--restore` starts the agent again: it re-reads its services and checks from
// its data dir (a named volume) and the host comes back without any service re-registering.
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import { createConsulClient } from '../services/shared/consul/client';
import { UsageError } from '../services/shared/errors';
import { INSTRUCTOR_HOST, LAB_HOSTS, NGINX_SERVICE } from './lib/docker/labServices';
import { findRunning, resolveProjectName } from './lib/docker/labContainers';
import { probeHealth, probeLine } from './lib/hosts/healthProbe';
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
import { loadApiWatch } from './lib/workshop/watch';

const NAME = 'lab:kill-agent';
const POLL_MS = 200;

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(
    createProgram(NAME, "Crash one host's Consul agent (SIGKILL) and time how fast Consul and Nginx stop routing to the host's services"),
  )
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
    );
  program.parse();
  const opts = program.opts<{ project?: string; restore?: boolean; timeout: number }>();
  const restore = !!opts.restore;
  // host-a's agent is the one openLab talks to: refused both ways (killing it, or watching its restore).
  const host = resolveHost(NAME, program.args[0], { refuseInstructor: !restore });
  if (host.name === INSTRUCTOR_HOST.name) {
    // (openLab needs that agent running, and the watch asks Consul through it)
    throw new UsageError(
      `${host.name}'s agent is the one this command talks to Consul through, so it cannot watch it come back: ` +
        `start it with \`docker compose -p ${resolveProjectName(opts.project)} start ${host.agentService}\` and watch the Consul UI return`,
    );
  }

  const lab = await openLab(opts.project);
  const client = createConsulClient(lab.endpoints.consul);
  try {
    const agent = lab.containers.find((c) => c.service === host.agentService);
    if (!agent) throw new Error(`lab "${lab.project}" has no ${host.agentService} container: start it with \`npm run lab:up\``);
    const restoreCmd = hostCommand(NAME, lab.project, host.name, '--restore');
    if (!restore && agent.state !== 'running')
      throw new Error(`${host.name}'s agent (${agent.name}) is already ${agent.state}; restore it: ${restoreCmd}`);
    if (restore && agent.state === 'running') {
      process.stdout.write(`${host.name}'s agent (${agent.name}) is running; nothing to restore.\n`);
      return 0;
    }

    const nginx = findRunning(lab.containers, NGINX_SERVICE);
    const { sides, watched, passingBefore } = await loadHostWatch(
      { docker: lab.docker, consul: lab.consul, nginxUrl: lab.endpoints.nginxUrl, nginxContainerId: nginx?.id },
      nodeChecksReader(client, lab.endpoints.consulUrl),
      host.name,
      { id: agent.id, name: agent.name },
    );
    const dir = restore ? 'up' : 'down';
    const before = await snapshotHost(sides, watched, new Set(['serf', 'consul', 'upstream', 'page']));
    const progress = new Progress();
    const onEvent = (atMs: number, label: string): void => progress.lineAt(atMs, label);

    process.stdout.write(
      restore
        ? `Starting ${host.name}'s agent: docker start ${agent.name}\n`
        : `Crashing ${host.name}'s agent: docker kill ${agent.name} (SIGKILL: no leave, no deregistration)\n`,
    );
    const t = new Timeline();
    t.mark('sent', restore ? 'docker start sent' : 'SIGKILL sent', 0);
    for (const e of expectedHostEvents(watched, dir, !!nginx)) t.expect(e.key, e.label);
    const already = restore ? hostUpEvents(before, watched) : hostDownEvents(before, watched);
    markAlready(t, already, `already before the ${restore ? 'start' : 'kill'}`, onEvent);

    const container = lab.docker.getContainer(agent.id);
    if (restore) await container.start();
    else await container.kill({ signal: 'SIGKILL' });

    await watchHost(sides, t, watched, restore ? hostUpEvents : hostDownEvents, { timeoutMs: opts.timeout, pollMs: POLL_MS, onEvent });

    process.stdout.write(
      `\nTimeline (${restore ? 'restore' : 'SIGKILL'} of ${host.name}'s agent; polled every ${POLL_MS} ms, so each time is exact to about ${formatSeconds(POLL_MS * 2)})\n`,
    );
    process.stdout.write(t.render(`not seen in ${formatSeconds(opts.timeout)}`) + '\n\n');

    if (!restore) {
      // Ask the host's workshop instances themselves, from inside their containers: the agent is gone, they are not.
      const { targets } = await loadApiWatch(lab.docker, lab.consul, lab.endpoints.nginxUrl, lab.containers);
      const mine = targets.filter((x) => x.container.state === 'running' && x.registration?.node === host.name);
      for (const x of mine) process.stdout.write(`${probeLine(x.name, await probeHealth(lab.docker, x.container.id))}\n`);
      if (!mine.length) process.stdout.write(`(no running workshop-api instance on ${host.name} to ask)\n`);
    }
    const after = await passingInstances(sides).then(passingByNode, () => undefined);
    const others = LAB_HOSTS.map((h) => h.name).filter((n) => n !== host.name);
    for (const line of otherHostsLines(others, passingBefore, after)) process.stdout.write(`${line}\n`);
    if (restore)
      process.stdout.write(`${host.name}'s agent came back with the services and checks it keeps in its data dir (a named volume).\n`);
    else process.stdout.write(`Bring the agent back: ${restoreCmd}   (or: docker start ${agent.name})\n`);
    return t.done() ? 0 : 1;
  } finally {
    client.destroy();
    lab.close();
  }
});
