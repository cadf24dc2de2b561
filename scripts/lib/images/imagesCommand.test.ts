import type Docker from 'dockerode';
import type { PlanOptions } from './buildOfflineImages';
import { labImages, type ImagesDeps } from './imagesCommand';

test('progress lines stamped with the seconds since the start; the summary counts what was built', async () => {
  let t = 1000;
  const out: string[] = [];
  const seen: Array<Omit<PlanOptions, 'docker' | 'progress'>> = [];
  const deps: ImagesDeps = {
    root: '/repo',
    connectDocker: async () => ({}) as Docker,
    build: async ({ docker: _docker, progress, ...rest }) => {
      seen.push(rest);
      t += 2500;
      progress('building lab-consul');
      t += 40_000;
      return [
        { tag: 'a', action: 'built', seconds: 40 },
        { tag: 'b', action: 'cached', seconds: 0 },
      ];
    },
    out: (text) => void out.push(text),
    now: () => t,
  };
  await expect(labImages({ force: true, mirror: 'http://deb.example/debian' }, deps)).resolves.toBe(0);
  expect(seen).toEqual([{ repoRoot: '/repo', force: true, mirror: 'http://deb.example/debian' }]);
  expect(out[0]).toBe('[lab:images    2.5 s] building lab-consul\n');
  expect(out[1]).toMatch(/^\[lab:images {3}42\.5 s\] done: 1 built, 1 up to date \(\d+ images\)\n$/);
  expect(out[2]).toContain('npm run lab:up -- --offline');
});
