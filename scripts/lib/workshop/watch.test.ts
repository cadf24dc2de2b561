import { backEvents, goneEvents, sideOf, snapshot, timedEvents, WatchedInstance } from './watch';

const w: WatchedInstance = { name: 'api-aaaaaa', serviceId: 'workshop-api-aaaaaa', hostname: 'aaaaaa111111', address: '10.213.50.130:8080' };

describe('goneEvents', () => {
  it('sees nothing while the instance is everywhere', () => {
    expect(goneEvents({ running: true, consul: { status: 'passing' }, upstream: ['10.213.50.130:8080'], page: ['workshop-api-aaaaaa'] }, w)).toEqual([]);
  });
  it('reports each side that dropped it, and why Consul did', () => {
    expect(goneEvents({ running: false, exitCode: 137, consul: { status: 'critical' }, upstream: ['10.213.50.131:8080'], page: [] }, w)).toEqual([
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
    const ev = backEvents({ running: true, health: 'healthy', consul: { status: 'passing', address: '10.213.50.140:8080' }, upstream: ['10.213.50.140:8080'], page: ['workshop-api-aaaaaa'] }, w);
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

  it("finds the instance's registration by ID or by its container hostname", async () => {
    const reg = { id: 'workshop-renamed', meta: { host: 'aaaaaa111111' }, status: 'critical', address: '10.0.0.9', port: 8080 };
    const sides = { docker: {}, consul: { instances: async () => [reg] }, nginxUrl: '' } as unknown as Sides;
    const s = await snapshot(sides, 'id', w, new Set(['consul']));
    expect(s.consul).toEqual({ status: 'critical', address: '10.0.0.9:8080' });
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
