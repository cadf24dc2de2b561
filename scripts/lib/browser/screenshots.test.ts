import path from 'node:path';
import { fakeCommandIo } from '../lab/testdata/fakeCommandIo';
import { fakeLab } from '../lab/testdata/fakeLab';
import { labScreenshots, type ScreenshotDeps, type ShotPage } from './screenshots';

function world(goto: ShotPage['goto']) {
  const fake = fakeCommandIo();
  const lab = fakeLab();
  const calls: string[] = [];
  const page: ShotPage = {
    goto: async (url, opts) => {
      calls.push(`goto ${url}`);
      return goto(url, opts);
    },
    waitForSelector: async (selector) => void calls.push(`wait ${selector}`),
    screenshot: async (opts) => void calls.push(`shot ${opts.path}`),
  };
  const deps: ScreenshotDeps = {
    ...fake.io,
    openLab: async () => lab,
    openBrowser: async () => ({ page, close: async () => void calls.push('close browser') }),
    mkdir: (dir) => void calls.push(`mkdir ${dir}`),
  };
  return { fake, lab, calls, deps };
}

const ok = async (): Promise<{ ok(): boolean; status(): number }> => ({ ok: () => true, status: () => 200 });

test('open the view, wait for the lab on it, let the timelines fill, save lab-view.png; close everything', async () => {
  const w = world(ok);
  const out = path.join(process.cwd(), 'shots');
  await expect(labScreenshots({ out, settle: 20_000 }, w.deps)).resolves.toBe(0);
  expect(w.calls).toEqual([
    'goto http://127.0.0.1:8090/',
    'wait #servers li',
    'wait #workshop g.track',
    `mkdir ${out}`,
    `shot ${path.join(out, 'lab-view.png')}`,
    'close browser',
  ]);
  expect(w.fake.progressTexts()).toEqual(['opening http://localhost:8090/', 'the lab is on the page; letting the timelines fill for 20 s']);
  expect(w.fake.io.now()).toBe(20_000);
  expect(w.fake.out).toEqual([`${path.join('shots', 'lab-view.png')}\n`]);
  expect(w.lab.closed).toBe(1);
});

test('a view that does not answer, or answers an error: one line, and the browser and lab are closed', async () => {
  const refused = world(async () => {
    throw new Error('net::ERR_CONNECTION_REFUSED at http://127.0.0.1:8090/\nstack');
  });
  await expect(labScreenshots({ out: '/tmp/x', settle: 0 }, refused.deps)).rejects.toThrow(
    'the lab view at http://127.0.0.1:8090/ does not answer (net::ERR_CONNECTION_REFUSED at http://127.0.0.1:8090/): is the lab-view container running?',
  );
  expect(refused.calls.at(-1)).toBe('close browser');
  expect(refused.lab.closed).toBe(1);

  const broken = world(async () => ({ ok: () => false, status: () => 502 }));
  await expect(labScreenshots({ out: '/tmp/x', settle: 0 }, broken.deps)).rejects.toThrow(
    'the lab view at http://127.0.0.1:8090/ answered HTTP 502',
  );
});
