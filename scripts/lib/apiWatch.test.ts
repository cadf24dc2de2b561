import { backEvents, goneEvents, WatchedInstance } from './apiWatch';

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
