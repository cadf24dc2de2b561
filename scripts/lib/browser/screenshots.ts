// npm run lab:screenshots's work (scripts/lab-screenshots.ts parses the flags): open the running lab's live view in
// chromium at projector size, wait until the lab is on it and the timelines have filled, save lab-view.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { browserUrl } from '../docker/publishedPorts';
import { liveCommandIo, type CommandIo } from '../lab/commandIo';
import { openLab, type Lab } from '../lab/openLab';
import { closeBrowser, launchChromium, projectorPage } from './launch';

export interface ScreenshotOptions {
  project?: string;
  out: string;
  settle: number;
}

/** The part of a puppeteer page the screenshot needs. */
export interface ShotPage {
  goto(url: string, opts: { waitUntil: 'load'; timeout: number }): Promise<{ ok(): boolean; status(): number } | null>;
  waitForSelector(selector: string, opts: { timeout: number }): Promise<unknown>;
  screenshot(opts: { path: `${string}.png` }): Promise<unknown>;
}

export interface ScreenshotDeps extends CommandIo {
  openLab(project: string | undefined): Promise<Lab>;
  /** A projector-size page in a browser that `close` ends. */
  openBrowser(log: (line: string) => void): Promise<{ page: ShotPage; close(): Promise<void> }>;
  mkdir(dir: string): void;
}

export function liveScreenshotDeps(): ScreenshotDeps {
  return {
    ...liveCommandIo(),
    openLab,
    openBrowser: async (log) => {
      const browser = await launchChromium(log);
      try {
        return { page: await projectorPage(browser), close: () => closeBrowser(browser) };
      } catch (err) {
        await closeBrowser(browser);
        throw err;
      }
    },
    mkdir: (dir) => void mkdirSync(dir, { recursive: true }),
  };
}

/** lab:screenshots: 0 with the file's path on stdout, or it throws one line; the browser and the lab are closed. */
export async function labScreenshots(opts: ScreenshotOptions, deps: ScreenshotDeps): Promise<number> {
  const lab = await deps.openLab(opts.project);
  const progress = deps.newProgress();
  let browser: { page: ShotPage; close(): Promise<void> } | undefined;
  try {
    browser = await deps.openBrowser((l) => progress.line(l));
    const { page } = browser;
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
    await deps.sleep(opts.settle);
    deps.mkdir(opts.out);
    const file = path.join(opts.out, 'lab-view.png');
    await page.screenshot({ path: file as `${string}.png` });
    deps.out(`${path.relative(process.cwd(), file) || file}\n`);
    return 0;
  } finally {
    await browser?.close();
    lab.close();
  }
}
