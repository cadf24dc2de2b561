#!/usr/bin/env node
// npm run lab:screenshots [-- --out docs/images] — screenshots of the running lab's live view at projector size
// (1280x720), taken with Debian's chromium: what docs/ shows of the lab view comes from a real lab, not a mock-up.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { sleep } from '../services/shared/async';
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import type { Browser } from 'puppeteer-core';
import { closeBrowser, launchChromium, projectorPage } from './lib/browser/launch';
import { repoRoot } from './lib/docker/compose';
import { browserUrl } from './lib/docker/publishedPorts';
import { openLab } from './lib/lab/openLab';
import { addProjectOption } from './lib/lab/options';
import { Progress } from './lib/term/progress';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';

const NAME = 'lab:screenshots';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(createProgram(NAME, "Screenshot the running lab's live view (1280x720) into docs/"))
    .option('--out <dir>', 'folder for the PNG files', path.join(repoRoot(), 'docs', 'images'))
    .addOption(durationOption('--settle <duration>', 'let the timelines fill this long after the page has the lab on it', 20_000));
  program.parse();
  const opts = program.opts<{ project?: string; out: string; settle: number }>();

  const lab = await openLab(opts.project);
  const progress = new Progress();
  let browser: Browser | undefined;
  try {
    browser = await launchChromium((l) => progress.line(l));
    const page = await projectorPage(browser);
    const url = `${lab.endpoints.labViewUrl}/`;
    progress.line(`opening ${browserUrl(url)}`);
    const res = await page.goto(url, { waitUntil: 'load', timeout: 15_000 }).catch((e: Error) => {
      throw new Error(`the lab view at ${url} does not answer (${e.message.split('\n')[0]}): is the lab-view container running?`);
    });
    if (!res || !res.ok()) throw new Error(`the lab view at ${url} answered HTTP ${res?.status() ?? '?'}`);
    // The first pushed state has the servers and at least one workshop strip on it.
    await page.waitForSelector('#servers li', { timeout: 15_000 });
    await page.waitForSelector('#workshop g.track', { timeout: 15_000 });
    progress.line(`the lab is on the page; letting the timelines fill for ${opts.settle / 1000} s`);
    await sleep(opts.settle);
    mkdirSync(opts.out, { recursive: true });
    const file = path.join(opts.out, 'lab-view.png');
    await page.screenshot({ path: file as `${string}.png` });
    process.stdout.write(`${path.relative(process.cwd(), file) || file}\n`);
    return 0;
  } finally {
    await closeBrowser(browser);
    lab.close();
  }
});
