import { fakeCommandIo } from '../lab/testdata/fakeCommandIo';
import { worldLab, fakeNginx, fakeNodeChecks, newWorld, type FakeWorld } from '../experiment/testdata/fakeWorld';
import { LAB_HOSTS } from '../docker/labServices';
import * as readNginx from '../nginx/readNginx';
import { HEALING, partition, partitionIntro } from './partition';

function labOf(w: FakeWorld): ReturnType<typeof worldLab> {
  const nginx = fakeNginx(w);
  jest.spyOn(readNginx, 'readPage').mockImplementation(nginx.page);
  jest.spyOn(readNginx, 'readUpstream').mockImplementation(nginx.upstream);
  return worldLab(w);
}

const hostB = LAB_HOSTS[1]!;
const run = (w: FakeWorld, heal: boolean, timeoutMs: number, io = fakeCommandIo().io): Promise<number> =>
  partition(labOf(w), hostB, { heal, timeoutMs, nodeChecks: fakeNodeChecks(w) }, io);
const net = { id: 'net1', name: 'consul-lab_lab', subnet: '10.213.50.0/24' };

describe('partitionIntro', () => {
  it('says the docker command, and warns when --heal will put the host on another IP', () => {
    expect(partitionIntro(hostB, net, 'lab-host-b-1', { ip: '10.213.50.22', aliases: ['host-b'] })).toEqual([
      'Cutting host-b off the lab network: docker network disconnect consul-lab_lab lab-host-b-1 (10.213.50.22, aliases host-b)',
    ]);
    expect(partitionIntro(hostB, net, 'lab-host-b-1', { ip: '10.213.50.99', aliases: [] })).toEqual([
      'Cutting host-b off the lab network: docker network disconnect consul-lab_lab lab-host-b-1 (10.213.50.99, aliases none)',
      'Note: host-b is on 10.213.50.99, not 10.213.50.22; --heal will bring it back on 10.213.50.22.',
    ]);
  });
});

describe('partition', () => {
  it('cuts the host off, starts the clock when Docker answered, and says how to heal', async () => {
    const w = newWorld();
    const f = fakeCommandIo();
    expect(await run(w, false, 60_000, f.io)).toBe(0);
    expect(w.actions).toEqual(['disconnect host-b']);
    const out = f.output();
    expect(out).toMatch(
      /^Cutting host-b off the lab network: docker network disconnect consul-lab_lab consul-lab-host-b-1 \(10\.213\.50\.22, aliases host-b\)\n {2}\[ {2}0\.0 s\] host-b disconnected from the lab network \(docker took 0 ms\)\n/,
    );
    expect(out).toContain("  [  0.0 s] every service on host-b out of Consul's passing set\n");
    expect(out).toContain('\nTimeline (partition of host-b; polled every 200 ms, so each time is exact to about 0.4 s)\n');
    expect(out).toMatch(
      /\n\nhost-a's services stayed passing \(2 passing instances before, 2 after\)\nhost-b's agent and services are still running, cut off: `docker exec consul-lab-host-b-1 cat \/proc\/net\/dev` shows only lo\.\nHeal it: npm run lab:partition -- --heal host-b\n$/,
    );
  });

  it('heals with the same IP and alias, and explains what healing depends on', async () => {
    const w = newWorld({ connected: { 'host-a': true, 'host-b': false } });
    const { io, output } = fakeCommandIo();
    expect(await run(w, true, 60_000, io)).toBe(0);
    expect(w.actions).toEqual(['connect host-b']);
    expect(output()).toMatch(
      /^Reconnecting host-b: docker network connect --ip 10\.213\.50\.22 --alias host-b consul-lab_lab consul-lab-host-b-1\n/,
    );
    expect(output()).toContain("host-b's workshop instances back on the Nginx page\n");
    expect(output().endsWith(`${HEALING}\n`)).toBe(true);
  });

  it('refuses to cut a host twice, and has nothing to heal on a connected one', async () => {
    const cut = newWorld({ connected: { 'host-a': true, 'host-b': false } });
    await expect(run(cut, false, 1_000)).rejects.toThrow(
      'host-b is already partitioned (consul-lab-host-b-1 is not on consul-lab_lab); heal it: npm run lab:partition -- --heal host-b',
    );
    const whole = newWorld();
    const { io, output } = fakeCommandIo();
    expect(await run(whole, true, 1_000, io)).toBe(0);
    expect(output()).toBe('host-b is not partitioned: consul-lab-host-b-1 is on consul-lab_lab as 10.213.50.22; nothing to heal.\n');
    expect([...cut.actions, ...whole.actions]).toEqual([]);
  });
});
