#!/usr/bin/env node
// npm run lab:screenshots [-- --out docs/images] — screenshots of the running lab's live view at projector size
// (1280x720), taken with Debian's chromium: what docs/ shows of the lab view comes from a real lab, not a mock-up.
// The work: scripts/lib/browser/screenshots.ts.
import path from 'node:path';
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import { labScreenshots, liveScreenshotDeps, type ScreenshotOptions } from './lib/browser/screenshots';
import { repoRoot } from './lib/docker/compose';
import { addProjectOption } from './lib/lab/options';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';

const NAME = 'lab:screenshots';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(createProgram(NAME, "Screenshot the running lab's live view (1280x720) into docs/"))
    .option('--out <dir>', 'folder for the PNG files', path.join(repoRoot(), 'docs', 'images'))
    .addOption(durationOption('--settle <duration>', 'let the timelines fill this long after the page has the lab on it', 20_000));
  program.parse();
  return labScreenshots(program.opts<ScreenshotOptions>(), liveScreenshotDeps());
});
