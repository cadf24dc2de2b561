import { UsageError } from '../../../services/shared/errors';
import { fakeCommandIo } from '../lab/testdata/fakeCommandIo';
import { worldLab, fakeNginx, newWorld, type FakeWorld } from '../experiment/testdata/fakeWorld';
import * as readNginx from '../nginx/readNginx';
import { killApi } from './killApi';

function labOf(w: FakeWorld): ReturnType<typeof worldLab> {
  const nginx = fakeNginx(w);
  jest.spyOn(readNginx, 'readPage').mockImplementation(nginx.page);
  jest.spyOn(readNginx, 'readUpstream').mockImplementation(nginx.upstream);
  return worldLab(w);
}

describe('killApi', () => {
  it('stops the instance gracefully, prints each place it left and the timeline, and how to bring it back', async () => {
    const w = newWorld();
    const { io, output, progressTexts } = fakeCommandIo();
    expect(await killApi(labOf(w), { name: 'api-b1', hard: false, timeoutMs: 45_000 }, io)).toBe(0);
    expect(w.actions).toEqual(['stop api-b1']);
    const out = output();
    expect(out).toMatch(
      /^Stopping api-b1 \(container consul-lab-workshop-api-b1-1, 10\.213\.50\.22:8081\) with docker stop \(SIGTERM: the instance deregisters itself, SIGKILL after 10 s\)\n/,
    );
    expect(progressTexts()).toEqual([
      'container stopped (exit code 137)',
      "out of Consul's passing set (deregistered)",
      'gone from the Nginx upstream behind /api/ (10.213.50.22:8081)',
      'gone from the Nginx page',
    ]);
    expect(out).toContain('\nTimeline (graceful stop of api-b1; polled every 100 ms, so each time is exact to about 0.2 s)\n');
    expect(out).toContain('  0.0 s  docker stop sent\n');
    expect(out).toMatch(
      /\n\nStill serving: api-a1, api-a2, api-b2\nBring it back: npm run lab:restore-api -- api-b1 {3}\(or: docker start consul-lab-workshop-api-b1-1\)\n$/,
    );
  });

  it('with --hard sends SIGKILL; what is not seen in time is "not seen" and the exit code is 1', async () => {
    const w = newWorld({ reacts: false });
    const { io, output } = fakeCommandIo();
    expect(await killApi(labOf(w), { name: 'workshop-api-a2', hard: true, timeoutMs: 500 }, io)).toBe(1);
    expect(w.actions).toEqual(['kill api-a2']);
    expect(output()).toContain('with docker kill (SIGKILL: no chance to deregister)\n');
    expect(output()).toContain('Timeline (hard kill of api-a2;');
    expect(output()).toMatch(/not seen in 0\.5 s {2}gone from the Nginx page\n/);
  });

  it('picks the first running, passing instance without a name, and leaves the upstream out without nginx', async () => {
    const w = newWorld({ nginx: false });
    const { io, output } = fakeCommandIo();
    expect(await killApi(labOf(w), { hard: false, timeoutMs: 1_000 }, io)).toBe(0);
    expect(w.actions).toEqual(['stop api-a1']);
    expect(output()).not.toContain('upstream');
  });

  it('marks what was already true before the stop at 0 s, and never times it', async () => {
    const w = newWorld();
    const lab = labOf(w);
    // Off the page before the stop (e.g. Nginx lagging): seen "already".
    jest.spyOn(readNginx, 'readPage').mockImplementation(async () => ({ status: 200, instances: [] }));
    const { io, output } = fakeCommandIo();
    expect(await killApi(lab, { name: 'api-a1', hard: false, timeoutMs: 1_000 }, io)).toBe(0);
    expect(output()).toContain('  [  0.0 s] gone from the Nginx page (already before the stop)\n');
  });

  it('refuses a stopped instance with the restore hint, and an unknown name as bad input, acting on nothing', async () => {
    const w = newWorld();
    w.apis[0]!.running = false;
    await expect(killApi(labOf(w), { name: 'api-a1', hard: false, timeoutMs: 1_000 }, fakeCommandIo().io)).rejects.toThrow(
      'api-a1 (consul-lab-workshop-api-a1-1) is already exited; bring it back with `npm run lab:restore-api -- api-a1`',
    );
    await expect(killApi(labOf(w), { name: 'api-zz', hard: false, timeoutMs: 1_000 }, fakeCommandIo().io)).rejects.toThrow(UsageError);
    expect(w.actions).toEqual([]);
  });
});
