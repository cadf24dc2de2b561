#!/usr/bin/env node
// npm run lab:down [-- -v] — `docker compose down` for the lab's project; -v also removes the named
// volumes (Consul's raft data), so the next lab:up starts from an empty catalog.
import { createProgram, runCli } from '../services/shared/cli';
import { composeContextFromLabels, composeFailureLine, repoRoot, runCompose } from './lib/docker/compose';
import { connectDocker } from './lib/docker/engine';
import { addProjectOption } from './lib/lab/options';
import { listLabContainers, resolveProjectName } from './lib/docker/labContainers';
import { runningLabEnv } from './lib/docker/publishedPorts';
import { Progress } from './lib/term/progress';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';

const NAME = 'lab:down';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(createProgram(NAME, 'Stop and remove the lab (docker compose down)')).option(
    '-v, --volumes',
    "also remove the lab's volumes (Consul's data)",
  );
  program.parse();
  const opts = program.opts<{ project?: string; volumes?: boolean }>();
  const project = resolveProjectName(opts.project);
  const docker = await connectDocker();

  const before = await listLabContainers(docker, project);
  // Use the files the lab was started with (same env file), so `down` resolves the same project.
  const context = before[0] ? composeContextFromLabels(before[0].labels) : undefined;
  const env = await runningLabEnv(docker, project, before);
  process.stdout.write(
    before.length
      ? `Stopping lab "${project}" (${before.length} containers)${opts.volumes ? ' and removing its volumes' : ''}\n`
      : `Lab "${project}" has no containers; removing its network${opts.volumes ? ' and volumes' : ''} if any\n`,
  );
  const progress = new Progress();
  const r = await runCompose(['down', '--remove-orphans', ...(opts.volumes ? ['--volumes'] : [])], {
    project,
    context,
    env,
    cwd: repoRoot(),
    // Compose's own lines are the progress here; of Stopping/Stopped/Removing/Removed keep the outcomes.
    onLine: (line) => {
      if (/\b(Stopped|Removed)$/.test(line.trim())) progress.line(line.trim().replace(/\s{2,}/g, ' '));
    },
  });
  if (r.code !== 0) throw new Error(`docker compose down failed: ${composeFailureLine(r)}`);
  const left = await listLabContainers(docker, project);
  if (left.length) throw new Error(`${left.length} containers of "${project}" are still there: ${left.map((c) => c.name).join(', ')}`);
  process.stdout.write(
    `Lab "${project}" is down after ${(progress.elapsedMs() / 1000).toFixed(1)} s.${opts.volumes || !before.length ? '' : ' Consul data kept (add -v to remove it).'}\n`,
  );
  return 0;
});
