import { fakeCommandIo } from '../lab/testdata/fakeCommandIo';
import { worldLab, fakeNginx, newWorld, type FakeWorld } from '../experiment/testdata/fakeWorld';
import * as readNginx from '../nginx/readNginx';
import type { WorkshopTarget } from './instances';
import { restoreApi, restoreExpectations } from './restoreApi';

function labOf(w: FakeWorld): ReturnType<typeof worldLab> {
  const nginx = fakeNginx(w);
  jest.spyOn(readNginx, 'readPage').mockImplementation(nginx.page);
  jest.spyOn(readNginx, 'readUpstream').mockImplementation(nginx.upstream);
  return worldLab(w);
}

function stopped(...names: string[]): FakeWorld {
  const w = newWorld();
  for (const a of w.apis) if (names.includes(a.name)) Object.assign(a, { running: false, passing: false });
  return w;
}

describe('restoreExpectations', () => {
  const t = (name: string): WorkshopTarget => ({ name }) as WorkshopTarget;
  it('expects one instance running → healthy → passing → in Nginx, its labels unprefixed', () => {
    expect(restoreExpectations([t('api-b1')], true)).toEqual([
      { key: 'api-b1/running', label: 'container running' },
      { key: 'api-b1/healthy', label: 'Docker healthcheck healthy' },
      { key: 'api-b1/consul', label: "back in Consul's passing set" },
      { key: 'api-b1/upstream', label: 'back in the Nginx upstream behind /api/' },
      { key: 'api-b1/page', label: 'back on the Nginx page' },
    ]);
  });
  it('prefixes the labels with the name when several share the timeline, and leaves the upstream out without nginx', () => {
    const got = restoreExpectations([t('api-a1'), t('api-b1')], false);
    expect(got).toHaveLength(8);
    expect(got[4]).toEqual({ key: 'api-b1/running', label: 'api-b1: container running' });
  });
});

describe('restoreApi', () => {
  it('starts every stopped instance without a name and prints the way back of each', async () => {
    const w = stopped('api-a1', 'api-b2');
    const { io, output } = fakeCommandIo();
    expect(await restoreApi(labOf(w), { names: [], timeoutMs: 60_000 }, io)).toBe(0);
    expect(w.actions).toEqual(['start api-a1', 'start api-b2']);
    const out = output();
    expect(out).toMatch(/^Starting api-a1 \(consul-lab-workshop-api-a1-1\), api-b2 \(consul-lab-workshop-api-b2-1\) with docker start\n/);
    expect(out).toContain('  [  0.0 s] api-b2: back in the Nginx upstream behind /api/ (10.213.50.22:8082)\n');
    expect(out).toMatch(/\nTimeline \(restore; polled every 200 ms\)\n[^]*api-b2: back on the Nginx page\n$/);
    expect(out).not.toContain('not seen');
  });

  it('says so and starts nothing when every instance runs; a named running one is "already running"', async () => {
    const w = newWorld();
    const all = fakeCommandIo();
    expect(await restoreApi(labOf(w), { names: [], timeoutMs: 1_000 }, all.io)).toBe(0);
    expect(all.output()).toBe('Every workshop-api instance is running; nothing to restore.\n');
    const named = fakeCommandIo();
    expect(await restoreApi(labOf(w), { names: ['api-b1'], timeoutMs: 1_000 }, named.io)).toBe(0);
    expect(named.output()).toBe('api-b1 (consul-lab-workshop-api-b1-1) is already running\n');
    expect(w.actions).toEqual([]);
  });

  it('exits 1 with "not seen yet" when an instance does not come back in time', async () => {
    const w = stopped('api-a2');
    w.reacts = false;
    const { io, output } = fakeCommandIo();
    expect(await restoreApi(labOf(w), { names: ['api-a2'], timeoutMs: 1_000 }, io)).toBe(1);
    expect(output()).toMatch(/not seen yet {2}back on the Nginx page\n$/);
  });
});
