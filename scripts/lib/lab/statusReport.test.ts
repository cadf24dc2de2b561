import { renderStatus, StatusReport } from './statusReport';

const base: StatusReport = {
  project: 'consul-lab',
  consulUrl: 'http://127.0.0.1:8500',
  nginxUrl: 'http://127.0.0.1:8080',
  containers: [{ name: 'consul-lab-nginx-1', service: 'nginx', state: 'running', health: 'healthy' }],
  members: {
    ok: true,
    value: [
      { name: 'consul-server-1', address: '10.213.50.11', role: 'server', status: 'alive', leader: true },
      { name: 'consul-agent', address: '10.213.50.10', role: 'client', status: 'alive', leader: false },
    ],
  },
  leader: { ok: true, value: '10.213.50.11:8300' },
  services: { ok: true, value: [{ service: 'workshop', passing: 3, warning: 0, critical: 0 }] },
  demoClient: { ok: true, value: { requests: 60, ok: 59, firstTry: 58, failed: 1, lastError: null, windowMs: 60_000 } },
  page: { ok: true, value: { status: 200, instances: ['workshop-api-1a2b3c', 'workshop-api-9f8e7d'] } },
  upstream: { ok: true, value: ['10.213.50.130:8080', '10.213.50.131:8080'] },
};

describe('renderStatus', () => {
  it('shows URLs, members with the leader, counts, success rate, page names and upstream', () => {
    const out = renderStatus(base);
    expect(out).toContain('Consul UI http://localhost:8500/ui   Nginx page http://localhost:8080/');
    expect(out).toMatch(/consul-server-1\s+server\s+alive\s+10\.213\.50\.11\s+<- leader/);
    expect(out).toMatch(/workshop\s+3\s+0\s+0/);
    expect(out).toContain('60 requests: 59 ok (98.3 %), 58 on the first try (96.7 %), 1 failed');
    expect(out).toContain('  api-1a2b3c  api-9f8e7d');
    expect(out).toContain('Nginx upstream behind /api/: 10.213.50.130:8080  10.213.50.131:8080');
    expect(out).not.toContain('NO LEADER');
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
