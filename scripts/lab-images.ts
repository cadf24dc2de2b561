#!/usr/bin/env node
// npm run lab:images [-- --force]: build the air-gapped images (images/README.md) with no
// container registry. Sets itself up first: installs what it builds from (Consul at .env's version,
// consul-template, debootstrap) with progress, or stops at once with one line saying what to run.
// Cached: a second run with unchanged inputs takes a few seconds.
// The work: scripts/lib/images/imagesCommand.ts.
import { createProgram, runCli } from '../services/shared/cli';
import { repoRoot } from './lib/docker/compose';
import { DEFAULT_MIRROR } from './lib/images/buildOfflineImages';
import { labImages, liveImagesDeps, type ImagesOptions } from './lib/images/imagesCommand';

void runCli('lab:images', async () => {
  const program = createProgram(
    'lab:images',
    'Build the offline (air-gapped) lab images: debootstrap base, Consul, consul-template, Nginx, Node, the lab services',
  )
    .option('--force', 'rebuild every image even when its inputs are unchanged', false)
    .option('--mirror <url>', 'Debian mirror for debootstrap', DEFAULT_MIRROR);
  program.parse(process.argv);
  return labImages(program.opts<ImagesOptions>(), liveImagesDeps(repoRoot()));
});
