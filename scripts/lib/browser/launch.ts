import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { ensureChromium } from './chromium';

/** A projector's screen: what the lab view is laid out for. */
export const PROJECTOR = { width: 1280, height: 720 } as const;

/** Debian's chromium, headless, through puppeteer-core (installed first if need be, see chromium.ts). */
export async function launchChromium(log?: (line: string) => void): Promise<Browser> {
  return puppeteer.launch({
    executablePath: ensureChromium(log),
    headless: true,
    // As root in a container or CI there is no user namespace for chromium's sandbox.
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check'],
  });
}

/** A page at projector size. */
export async function projectorPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ ...PROJECTOR });
  return page;
}

/** Close the browser; if it does not answer within `graceMs`, kill its process (a test or script must never leave one behind). */
export async function closeBrowser(browser: Browser | undefined, graceMs = 5000): Promise<void> {
  if (!browser) return;
  const pid = browser.process()?.pid;
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    browser.close().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
  ]);
  clearTimeout(timer);
  if (!closed && pid) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone (ESRCH): nothing left to end
    }
  }
}
