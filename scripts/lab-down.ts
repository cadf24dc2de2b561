#!/usr/bin/env node
// npm run lab:down [-- -v] — `docker compose down` for the lab's project; -v also removes the named
// volumes (Consul's raft data), so the next lab:up starts from an empty catalog.
// The work: scripts/lib/lab/labDown.ts.
import { createProgram, runCli } from '../services/shared/cli';
import { repoRoot } from './lib/docker/compose';
import { labDown, liveDownDeps, type DownOptions } from './lib/lab/labDown';
import { addProjectOption } from './lib/lab/options';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';

const NAME = 'lab:down';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(createProgram(NAME, 'Stop and remove the lab (docker compose down)')).option(
    '-v, --volumes',
    "also remove the lab's volumes (Consul's data)",
  );
  program.parse();
  return labDown(program.opts<DownOptions>(), liveDownDeps(repoRoot()));
});
