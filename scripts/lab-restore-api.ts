#!/usr/bin/env node
// npm run lab:restore-api [-- <name>...] — start stopped workshop-api containers again (docker start)
// and print, in seconds, when each is back: running → healthy → passing in Consul → in Nginx.
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import { openLab } from './lib/lab/openLab';
import { addProjectOption } from './lib/lab/options';
import { Progress } from './lib/term/progress';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';
import { Timeline } from './lib/term/timeline';
import { requireTargets, resolveTarget } from './lib/workshop/instances';
import { backEvents, loadApiWatch, watchedFrom, WatchedTarget, watchUntilDone } from './lib/workshop/watch';

const NAME = 'lab:restore-api';
const POLL_MS = 200;

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(
    createProgram(NAME, 'Start stopped workshop-api instances again and time how fast they are back in Consul and Nginx'),
  )
    .argument('[names...]', 'instance names (api-1a2b3c) or container names/ids; default: every stopped workshop-api container')
    .addOption(durationOption('-t, --timeout <duration>', 'stop watching after this long', 60_000));
  program.parse();
  const opts = program.opts<{ project?: string; timeout: number }>();
  const names = program.args;

  const lab = await openLab(opts.project);
  try {
    const { targets, nginx, sides } = await loadApiWatch(lab.docker, lab.consul, lab.endpoints.nginxUrl, lab.containers);
    requireTargets(targets, lab.project);
    const chosen = names.length ? names.map((n) => resolveTarget(targets, n)) : targets.filter((t) => t.container.state !== 'running');
    const toStart = chosen.filter((t) => t.container.state !== 'running');
    for (const t of chosen)
      if (t.container.state === 'running') process.stdout.write(`${t.name} (${t.container.name}) is already running\n`);
    if (toStart.length === 0) {
      if (!names.length) process.stdout.write('Every workshop-api instance is running; nothing to restore.\n');
      return 0;
    }

    const timeline = new Timeline();
    const progress = new Progress();
    const every = new Set(['container', 'consul', 'upstream', 'page']);
    const watched: WatchedTarget[] = [];
    for (const t of toStart) {
      const who = toStart.length > 1 ? `${t.name}: ` : '';
      watched.push({
        containerId: t.container.id,
        instance: watchedFrom(t),
        events: backEvents,
        keyPrefix: `${t.name}/`,
        labelPrefix: who,
        sides: () => every,
      });
      timeline.expect(`${t.name}/running`, `${who}container running`).expect(`${t.name}/healthy`, `${who}Docker healthcheck healthy`);
      timeline.expect(`${t.name}/consul`, `${who}back in Consul's passing set`);
      if (nginx) timeline.expect(`${t.name}/upstream`, `${who}back in the Nginx upstream behind /api/`);
      timeline.expect(`${t.name}/page`, `${who}back on the Nginx page`);
    }
    process.stdout.write(`Starting ${toStart.map((t) => `${t.name} (${t.container.name})`).join(', ')} with docker start\n`);
    timeline.mark('sent', 'docker start sent', 0);
    await Promise.all(toStart.map((t) => lab.docker.getContainer(t.container.id).start()));

    // The address can change on restart (new container IP): followAddress tracks what Consul says now.
    await watchUntilDone(sides, timeline, watched, {
      timeoutMs: opts.timeout,
      pollMs: POLL_MS,
      followAddress: true,
      onEvent: (atMs, label) => progress.lineAt(atMs, label),
    });
    process.stdout.write(`\nTimeline (restore; polled every ${POLL_MS} ms)\n${timeline.render('not seen yet')}\n`);
    return timeline.done() ? 0 : 1;
  } finally {
    lab.close();
  }
});
