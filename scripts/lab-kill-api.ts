#!/usr/bin/env node
// npm run lab:kill-api [-- <name>] [--hard] — stop one workshop-api container and print, in seconds,
// when it left each place that routes to it: container stopped → out of Consul's passing set →
// gone from Nginx's upstream and page. Bring it back with `npm run lab:restore-api`.
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import { WORKSHOP_META } from '../services/workshop-api/names';
import { openLab } from './lib/lab/openLab';
import { addProjectOption } from './lib/lab/options';
import { Progress } from './lib/term/progress';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';
import { formatSeconds } from './lib/term/table';
import { Timeline } from './lib/term/timeline';
import { pickDefault, requireTargets, resolveTarget } from './lib/workshop/instances';
import { restoreCommand, restoreHint } from './lib/workshop/restoreHint';
import { goneEvents, loadApiWatch, snapshot, watchedFrom, watchUntilDone } from './lib/workshop/watch';

const NAME = 'lab:kill-api';
const POLL_MS = 100;

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(
    createProgram(NAME, 'Stop one workshop-api instance and time how fast Consul and Nginx stop routing to it'),
  )
    .argument(
      '[name]',
      'instance name as on the Nginx page (api-1a2b3c), its Consul ID (workshop-api-1a2b3c), or a container name/id; default: one running instance',
    )
    .option('--hard', 'SIGKILL (docker kill): no graceful deregistration, Consul notices through the failing health check')
    .addOption(durationOption('-t, --timeout <duration>', 'stop watching after this long', 45_000));
  program.parse();
  const opts = program.opts<{ project?: string; hard?: boolean; timeout: number }>();
  const nameArg = program.args[0];

  const lab = await openLab(opts.project);
  try {
    const { registrations, targets, nginx, sides } = await loadApiWatch(lab.docker, lab.consul, lab.endpoints.nginxUrl, lab.containers);
    requireTargets(targets, lab.project);
    const target = nameArg !== undefined ? resolveTarget(targets, nameArg) : pickDefault(targets);
    if (!target) throw new Error(`no workshop-api instance is running; ${restoreHint(lab.project)}`);
    if (target.container.state !== 'running') {
      throw new Error(
        `${target.name} (${target.container.name}) is already ${target.container.state}; ${restoreHint(lab.project, target.name)}`,
      );
    }

    const watched = watchedFrom(target);
    const before = await snapshot(sides, target.container.id, watched, new Set(['consul', 'upstream', 'page']));

    const how = opts.hard
      ? 'docker kill (SIGKILL: no chance to deregister)'
      : 'docker stop (SIGTERM: the instance deregisters itself, SIGKILL after 10 s)';
    process.stdout.write(
      `Stopping ${target.name} (container ${target.container.name}${watched.address ? `, ${watched.address}` : ''}) with ${how}\n`,
    );

    const timeline = new Timeline();
    timeline.mark('sent', opts.hard ? 'SIGKILL sent' : 'docker stop sent', 0);
    timeline.expect('stopped', 'container stopped').expect('consul', "out of Consul's passing set");
    if (nginx) timeline.expect('upstream', 'gone from the Nginx upstream behind /api/');
    timeline.expect('page', 'gone from the Nginx page');
    const progress = new Progress();
    // Anything already true before the stop is noted at 0.0 s, so the timeline never claims a time it didn't see.
    for (const e of goneEvents(before, watched)) {
      if (e.key !== 'stopped' && timeline.mark(e.key, `${e.label} (already before the stop)`, 0))
        progress.lineAt(0, `${e.label} (already before the stop)`);
    }

    const container = lab.docker.getContainer(target.container.id);
    let actionError: Error | undefined;
    if (opts.hard) {
      await container.kill({ signal: 'SIGKILL' });
    } else {
      // Not awaited: Consul and Nginx usually drop the instance before `docker stop` returns.
      container.stop({ t: 10 }).catch((e: Error) => (actionError = e));
    }

    await watchUntilDone(sides, timeline, [{ containerId: target.container.id, instance: watched, events: goneEvents }], {
      timeoutMs: opts.timeout,
      pollMs: POLL_MS,
      onEvent: (atMs, label) => progress.lineAt(atMs, label),
      beforeRound: () => {
        if (actionError) throw new Error(`docker stop ${target.container.name}: ${actionError.message}`);
      },
    });

    process.stdout.write(
      `\nTimeline (${opts.hard ? 'hard kill' : 'graceful stop'} of ${target.name}; polled every ${POLL_MS} ms, so each time is exact to about ${formatSeconds(POLL_MS * 2)})\n`,
    );
    process.stdout.write(timeline.render(`not seen in ${formatSeconds(opts.timeout)}`) + '\n\n');
    const left = registrations
      .filter((r) => r.id !== target.serviceId && r.status === 'passing')
      .map((r) => r.meta[WORKSHOP_META.name] || r.id);
    if (left.length) process.stdout.write(`Still serving: ${left.join(', ')}\n`);
    process.stdout.write(`Bring it back: ${restoreCommand(lab.project, target.name)}   (or: docker start ${target.container.name})\n`);
    return timeline.done() ? 0 : 1;
  } finally {
    lab.close();
  }
});
