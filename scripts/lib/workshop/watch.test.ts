import type Docker from 'dockerode';
import type { LabConsul } from '../consul/labConsul';
import { Timeline } from '../term/timeline';
import {
  backEvents,
  goneEvents,
  pendingSides,
  sideOf,
  snapshot,
  timedEvents,
  WatchedInstance,
  WatchedTarget,
  WatchSides,
  watchUntilDone,
} from './watch';

const w: WatchedInstance = {
  name: 'api-aaaaaa',
  serviceId: 'workshop-api-aaaaaa',
  hostname: 'aaaaaa111111',
  address: '10.213.50.130:8080',
};

describe('goneEvents', () => {
  it('sees nothing while the instance is everywhere', () => {
    expect(
      goneEvents({ running: true, consul: { status: 'passing' }, upstream: ['10.213.50.130:8080'], page: ['workshop-api-aaaaaa'] }, w),
    ).toEqual([]);
  });
  it('reports each side that dropped it, and why Consul did', () => {
    expect(
      goneEvents({ running: false, exitCode: 137, consul: { status: 'critical' }, upstream: ['10.213.50.131:8080'], page: [] }, w),
    ).toEqual([
      { key: 'stopped', label: 'container stopped (exit code 137)' },
      { key: 'consul', label: "out of Consul's passing set (check critical)" },
      { key: 'upstream', label: 'gone from the Nginx upstream behind /api/ (10.213.50.130:8080)' },
      { key: 'page', label: 'gone from the Nginx page' },
    ]);
    expect(goneEvents({ consul: { status: 'absent' } }, w)[0]!.label).toBe("out of Consul's passing set (deregistered)");
  });
  it('judges nothing about a side it could not read', () => {
    expect(goneEvents({}, w)).toEqual([]);
    expect(goneEvents({ upstream: [] }, { ...w, address: undefined })).toEqual([]);
  });
});

describe('backEvents', () => {
  it('follows the address Consul reports now', () => {
    const ev = backEvents(
      {
        running: true,
        health: 'healthy',
        consul: { status: 'passing', address: '10.213.50.140:8080' },
        upstream: ['10.213.50.140:8080'],
        page: ['workshop-api-aaaaaa'],
      },
      w,
    );
    expect(ev.map((e) => e.key)).toEqual(['running', 'healthy', 'consul', 'upstream', 'page']);
  });
  it('is empty while it is still down', () => {
    expect(backEvents({ running: false, consul: { status: 'absent' }, upstream: [], page: [] }, w)).toEqual([]);
  });
});

describe('snapshot', () => {
  type Sides = Parameters<typeof snapshot>[0];

  it('times each side by its own answer, and leaves out a side that failed', async () => {
    let t = 1000;
    const sides = {
      docker: { getContainer: () => ({ inspect: async () => ((t += 10), { State: { Running: false, ExitCode: 137 } }) }) },
      consul: { instances: async () => Promise.reject(new Error('Consul down')) },
      nginxUrl: 'http://127.0.0.1:1',
    } as unknown as Sides;
    const s = await snapshot(sides, 'id', w, new Set(['container', 'consul']), () => t);
    expect(s.running).toBe(false);
    expect(s.exitCode).toBe(137);
    expect(s.consul).toBeUndefined();
    expect(s.at).toEqual({ container: 1010 });
    expect(sideOf('stopped')).toBe('container');
    expect(sideOf('upstream')).toBe('upstream');
  });

  it("finds the instance's registration by its ID, never by a sibling that shares its host", async () => {
    const mine = { id: w.serviceId, meta: { host: 'host-a' }, status: 'critical', address: '10.0.0.9', port: 8081 };
    const sibling = { id: 'workshop-api-a2', meta: { host: 'host-a' }, status: 'passing', address: '10.0.0.9', port: 8082 };
    const withBoth = { docker: {}, consul: { instances: async () => [sibling, mine] }, nginxUrl: '' } as unknown as Sides;
    expect((await snapshot(withBoth, 'id', { ...w, hostname: 'host-a' }, new Set(['consul']))).consul).toEqual({
      status: 'critical',
      address: '10.0.0.9:8081',
    });
    // Deregistered: absent, although a sibling with the same Meta.host is still there.
    const onlySibling = { docker: {}, consul: { instances: async () => [sibling] }, nginxUrl: '' } as unknown as Sides;
    expect((await snapshot(onlySibling, 'id', { ...w, hostname: 'host-a' }, new Set(['consul']))).consul).toEqual({ status: 'absent' });
  });
});

describe('timedEvents', () => {
  it("times each event by its side's answer and lists them earliest first", () => {
    const s = { running: false, page: [], upstream: [], at: { container: 1900, page: 1400, upstream: 1500 } };
    const ev = timedEvents(goneEvents(s, w), s, (t) => t - 1000, 999);
    expect(ev.map((e) => [e.key, e.atMs])).toEqual([
      ['page', 400],
      ['upstream', 500],
      ['stopped', 900],
    ]);
  });
});

describe('watchUntilDone', () => {
  // A container that stops on the 2nd look and an instance that leaves Consul on the 3rd; nginx is not watched.
  const fakeSides = (): { sides: WatchSides } => {
    let looks = 0;
    const docker = {
      getContainer: () => ({ inspect: async () => ({ State: { Running: ++looks < 2, ExitCode: 0 } }) }),
    } as unknown as Docker;
    let consulLooks = 0;
    const consul = {
      instances: async () =>
        ++consulLooks < 3 ? [{ id: w.serviceId, status: 'passing', address: '10.213.50.130', port: 8080, meta: {} }] : [],
    } as unknown as LabConsul;
    return { sides: { docker, consul, nginxUrl: 'http://127.0.0.1:1' } };
  };

  it('marks each event once, as it is first seen, and stops when all are seen', async () => {
    const { sides } = fakeSides();
    const timeline = new Timeline();
    timeline.expect('stopped', 'container stopped').expect('consul', "out of Consul's passing set");
    const seen: string[] = [];
    await watchUntilDone(sides, timeline, [{ containerId: 'c1', instance: { ...w }, events: goneEvents }], {
      timeoutMs: 5000,
      pollMs: 1,
      onEvent: (_, label) => seen.push(label),
    });
    expect(timeline.done()).toBe(true);
    expect(seen).toEqual(['container stopped (exit code 0)', "out of Consul's passing set (deregistered)"]);
  });

  it('gives up at the timeout with the rest pending, and lets beforeRound end the watch', async () => {
    const timeline = new Timeline();
    timeline.expect('page', 'gone from the Nginx page');
    const never: WatchedTarget = { containerId: 'c1', instance: { ...w }, events: () => [], sides: () => new Set() };
    await watchUntilDone(fakeSides().sides, timeline, [never], { timeoutMs: 30, pollMs: 5 });
    expect(timeline.pending().map((e) => e.key)).toEqual(['page']);
    await expect(
      watchUntilDone(fakeSides().sides, timeline, [never], {
        timeoutMs: 30_000,
        pollMs: 5,
        beforeRound: () => {
          throw new Error('docker stop failed');
        },
      }),
    ).rejects.toThrow('docker stop failed');
  });

  it('asks only the sides of pending events', () => {
    const one = new Timeline();
    one.expect('stopped', 'x').expect('consul', 'y').expect('page', 'z');
    one.mark('page');
    expect([...pendingSides(one)].sort()).toEqual(['consul', 'container']);
    // Several instances on one timeline: each asks for its own pending events only.
    const two = new Timeline();
    two.expect('a/running', 'x').expect('a/page', 'y').expect('b/consul', 'z');
    two.mark('a/page');
    expect([...pendingSides(two, 'a/')]).toEqual(['container']);
  });
});
