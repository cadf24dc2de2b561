#!/usr/bin/env node
// npm run lab:restore-api [-- <name>...] — start stopped workshop-api containers again (docker start)
// and print, in seconds, when each is back: running → healthy → passing in Consul → in Nginx.
import { createProgram, runCli } from '../services/shared/cli';
import { backEvents, snapshot, timedEvents, watchedFrom } from './lib/workshop/watch';
import { openLab } from './lib/lab/openLab';
import { addProjectOption, durationOption } from './lib/lab/options';
import { LabNotUpError } from './lib/docker/labContainers';
import { Timeline } from './lib/term/timeline';
import { sleep } from '../services/shared/async';
import { Progress } from './lib/term/progress';
import { loadWorkshopTargets, resolveTarget, WORKSHOP_CONSUL_SERVICE } from './lib/workshop/instances';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';

const NAME = 'lab:restore-api';
const POLL_MS = 200;

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(createProgram(NAME, 'Start stopped workshop-api instances again and time how fast they are back in Consul and Nginx'))
    .argument('[names...]', 'instance names (api-1a2b3c) or container names/ids; default: every stopped workshop-api container')
    .addOption(durationOption('-t, --timeout <duration>', 'stop watching after this long', '60s'));
  program.parse();
  const opts = program.opts<{ project?: string; timeout: number }>();
  const names = program.args;

  const lab = await openLab(opts.project);
  try {
    const registrations = await lab.consul.instances(WORKSHOP_CONSUL_SERVICE);
    const targets = await loadWorkshopTargets(lab.docker, lab.containers, registrations);
    if (targets.length === 0) throw new LabNotUpError(`lab "${lab.project}" has no workshop-api containers: start it with \`npm run lab:up\``);
    const chosen = names.length ? names.map((n) => resolveTarget(targets, n)) : targets.filter((t) => t.container.state !== 'running');
    const toStart = chosen.filter((t) => t.container.state !== 'running');
    for (const t of chosen) if (t.container.state === 'running') process.stdout.write(`${t.name} (${t.container.name}) is already running\n`);
    if (toStart.length === 0) {
      if (!names.length) process.stdout.write('Every workshop-api instance is running; nothing to restore.\n');
      return 0;
    }

    const nginx = lab.containers.find((c) => c.service === 'nginx' && c.state === 'running');
    const sides = { docker: lab.docker, consul: lab.consul, nginxUrl: lab.endpoints.nginxUrl, nginxContainerId: nginx?.id };
    const timeline = new Timeline();
    const progress = new Progress();
    const watched = toStart.map((t) => ({ t, w: watchedFrom(t) }));
    for (const { t } of watched) {
      const who = toStart.length > 1 ? `${t.name}: ` : '';
      timeline.expect(`${t.name}/running`, `${who}container running`).expect(`${t.name}/healthy`, `${who}Docker healthcheck healthy`);
      timeline.expect(`${t.name}/consul`, `${who}back in Consul's passing set`);
      if (nginx) timeline.expect(`${t.name}/upstream`, `${who}back in the Nginx upstream behind /api/`);
      timeline.expect(`${t.name}/page`, `${who}back on the Nginx page`);
    }
    process.stdout.write(`Starting ${toStart.map((t) => `${t.name} (${t.container.name})`).join(', ')} with docker start\n`);
    timeline.mark('sent', 'docker start sent', 0);
    await Promise.all(toStart.map((t) => lab.docker.getContainer(t.container.id).start()));

    while (!timeline.done() && timeline.elapsedMs() < opts.timeout) {
      await Promise.all(
        watched.map(async ({ t, w }) => {
          const want = new Set(['container', 'consul', 'upstream', 'page']);
          const s = await snapshot(sides, t.container.id, w, want);
          // The address can change on restart (new container IP): follow what Consul says now.
          if (s.consul?.address) w.address = s.consul.address;
          const who = toStart.length > 1 ? `${t.name}: ` : '';
          for (const e of timedEvents(backEvents(s, w), s, (x) => timeline.sinceStart(x), timeline.elapsedMs())) {
            if (timeline.mark(`${t.name}/${e.key}`, `${who}${e.label}`, e.atMs)) progress.lineAt(e.atMs, `${who}${e.label}`);
          }
        }),
      );
      if (!timeline.done()) await sleep(POLL_MS);
    }
    process.stdout.write(`\nTimeline (restore; polled every ${POLL_MS} ms)\n${timeline.render('not seen yet')}\n`);
    return timeline.done() ? 0 : 1;
  } finally {
    lab.close();
  }
});
