#!/usr/bin/env node
// npm run lab:images [-- --force]: build the air-gapped images (images/README.md) with no
// container registry. Sets itself up first: installs what it builds from (Consul at .env's version,
// consul-template, debootstrap) with progress, or stops at once with one line saying what to run.
// Cached: a second run with unchanged inputs takes a few seconds.
import { createProgram, runCli } from '../services/shared/cli';
import { repoRoot } from './lib/docker/compose';
import { connectDocker } from './lib/docker/engine';
import { DEFAULT_MIRROR, OFFLINE_IMAGES } from './lib/images/buildOfflineImages';
import { setupAndBuildOfflineImages } from './lib/images/setup';

void runCli('lab:images', async () => {
  const program = createProgram(
    'lab:images',
    'Build the offline (air-gapped) lab images: debootstrap base, Consul, consul-template, Nginx, Node, the lab services',
  )
    .option('--force', 'rebuild every image even when its inputs are unchanged', false)
    .option('--mirror <url>', 'Debian mirror for debootstrap', DEFAULT_MIRROR);
  program.parse(process.argv);
  const opts = program.opts<{ force: boolean; mirror: string }>();

  const t0 = Date.now();
  const progress = (msg: string): void => {
    process.stdout.write(`[lab:images ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
  };
  const docker = await connectDocker();
  const results = await setupAndBuildOfflineImages({ repoRoot: repoRoot(), docker, progress, force: opts.force, mirror: opts.mirror });
  const built = results.filter((r) => r.action === 'built').length;
  progress(`done: ${built} built, ${results.length - built} up to date (${Object.keys(OFFLINE_IMAGES).length} images)`);
  progress('run the lab on them: docker compose --env-file .env.offline up -d --wait   (or: npm run lab:up -- --offline)');
});
