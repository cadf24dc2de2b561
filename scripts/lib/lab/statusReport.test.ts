import type { ServiceInstance } from '../consul/labConsul';
import { hostRows, renderStatus, StatusReport } from './statusReport';

const base: StatusReport = {
  project: 'consul-lab',
  consulUrl: 'http://127.0.0.1:8500',
  nginxUrl: 'http://127.0.0.1:8080',
  labViewUrl: 'http://127.0.0.1:8090',
  containers: [{ name: 'consul-lab-nginx-1', service: 'nginx', state: 'running', health: 'healthy' }],
  members: {
    ok: true,
    value: [
      { name: 'consul-server-1', address: '10.213.50.11', role: 'server', status: 'alive', leader: true },
      { name: 'host-a', address: '10.213.50.21', role: 'client', status: 'alive', leader: false },
      { name: 'host-b', address: '10.213.50.22', role: 'client', status: 'failed', leader: false },
    ],
  },
  leader: { ok: true, value: '10.213.50.11:8300' },
  services: { ok: true, value: [{ service: 'workshop', passing: 3, warning: 0, critical: 0 }] },
  hosts: {
    ok: true,
    value: [
      { host: 'host-a', agent: 'alive', instances: [{ label: 'api-a1', status: 'passing' }] },
      { host: 'host-b', agent: 'failed', instances: [{ label: 'api-b1', status: 'critical' }] },
    ],
  },
  demoClient: { ok: true, value: { requests: 60, ok: 59, firstTry: 58, failed: 1, lastError: null, windowMs: 60_000 } },
  page: { ok: true, value: { status: 200, instances: ['workshop-api-1a2b3c', 'workshop-api-9f8e7d'] } },
  upstream: { ok: true, value: ['10.213.50.130:8080', '10.213.50.131:8080'] },
};

describe('renderStatus', () => {
  it('shows URLs, members with the leader, counts, success rate, page names and upstream', () => {
    const out = renderStatus(base);
    expect(out).toContain('Consul UI http://localhost:8500/ui   Nginx page http://localhost:8080/   Lab view http://localhost:8090/');
    expect(out).toMatch(/consul-server-1\s+server\s+alive\s+10\.213\.50\.11\s+<- leader/);
    expect(out).toMatch(/workshop\s+3\s+0\s+0/);
    expect(out).toContain('60 requests: 59 ok (98.3 %), 58 on the first try (96.7 %), 1 failed');
    expect(out).toContain('  api-1a2b3c  api-9f8e7d');
    expect(out).toContain('Nginx upstream behind /api/: 10.213.50.130:8080  10.213.50.131:8080');
    expect(out).not.toContain('NO LEADER');
    expect(out).toMatch(/host-a\s+alive\s+api-a1 passing/);
    expect(out).toMatch(/host-b\s+failed\s+api-b1 critical/);
  });

  it('says so plainly when there is no leader, and marks the counts stale', () => {
    const out = renderStatus({ ...base, leader: { ok: true, value: '' } });
    expect(out).toContain('NO LEADER');
    expect(out).toContain('STALE');
  });

  it('keeps the other sections when one side fails', () => {
    const out = renderStatus({
      ...base,
      page: { ok: false, error: 'Nginx page http://127.0.0.1:8080/: fetch failed' },
      upstream: { ok: true, value: [] },
    });
    expect(out).toContain('unavailable: Nginx page http://127.0.0.1:8080/: fetch failed');
    expect(out).toContain('empty (no passing instance: /api/ answers 503)');
    expect(out).toMatch(/workshop\s+3/);
  });
});

describe('hostRows', () => {
  const inst = (service: string, node: string, name: string, status: ServiceInstance['status'], port = 8081): ServiceInstance => ({
    id: `${service}-${name}`,
    service,
    address: '10.213.50.22',
    port,
    tags: [],
    meta: service === 'workshop' ? { name } : {},
    node,
    status,
  });
  it('groups instances under their host, with the agent as the cluster sees it; servers are not hosts', () => {
    const rows = hostRows(
      [
        { name: 'consul-server-1', address: '10.213.50.11', role: 'server', status: 'alive', leader: true },
        { name: 'host-b', address: '10.213.50.22', role: 'client', status: 'failed', leader: false },
        { name: 'host-a', address: '10.213.50.21', role: 'client', status: 'alive', leader: false },
      ],
      [
        inst('workshop', 'host-b', 'api-b2', 'critical'),
        inst('consul-demo', 'host-b', 'x', 'critical', 40123),
        inst('workshop', 'host-b', 'api-b1', 'critical'),
      ],
    );
    expect(rows).toEqual([
      { host: 'host-a', agent: 'alive', instances: [] },
      {
        host: 'host-b',
        agent: 'failed',
        instances: [
          { label: 'consul-demo:40123', status: 'critical' },
          { label: 'api-b1', status: 'critical' },
          { label: 'api-b2', status: 'critical' },
        ],
      },
    ]);
  });
  it('lists a node that only has instances as agent unknown', () => {
    expect(hostRows([], [inst('workshop', 'elsewhere', 'n', 'passing')])).toEqual([
      { host: 'elsewhere', agent: 'unknown', instances: [{ label: 'n', status: 'passing' }] },
    ]);
  });
});
