import { demoServerOf, parseClientLine, parseClientLog, summarise, trafficByServer } from './clientLog';

const line = (o: Record<string, unknown>): string =>
  JSON.stringify({
    ts: '2026-11-22T03:00:00.000Z',
    discovery: 'dns',
    serviceId: 'consul-demo-a-1-1',
    address: '10.0.0.130',
    port: 40001,
    protocol: 'v1',
    ok: true,
    attempts: 1,
    latencyMs: 2,
    error: null,
    ...o,
  });

describe('parseClientLine', () => {
  it('reads the documented fields', () => {
    const r = parseClientLine(line({}));
    expect(r).toEqual({
      ts: Date.parse('2026-11-22T03:00:00.000Z'),
      discovery: 'dns',
      serviceId: 'consul-demo-a-1-1',
      address: '10.0.0.130',
      port: 40001,
      protocol: 'v1',
      ok: true,
      attempts: 1,
      latencyMs: 2,
      error: null,
    });
  });

  it('skips non-request lines', () => {
    expect(parseClientLine('2026-11-22T03:00:00Z INFO consul-demo client started')).toBeNull();
    expect(parseClientLine('{"partial":')).toBeNull();
    expect(parseClientLine('{"msg":"no ok field"}')).toBeNull();
    expect(parseClientLine('[1,2]')).toBeNull();
    expect(parseClientLine(line({ ts: 'not a time' }))).toBeNull();
  });

  it('parses a whole log, ignoring the rest', () => {
    const text = ['starting', line({}), '', line({ ok: false, attempts: 2, error: 'no instance', address: null })].join('\n');
    expect(parseClientLog(text)).toHaveLength(2);
  });
});

describe('summarise', () => {
  it('counts ok, first-try and failed requests and keeps the latest error', () => {
    const reqs = parseClientLog(
      [
        line({}),
        line({ attempts: 2 }),
        line({ ok: false, attempts: 2, error: 'refused', ts: '2026-11-22T03:00:01.000Z' }),
        line({ ok: false, attempts: 2, error: 'no such host', ts: '2026-11-22T03:00:02.000Z' }),
      ].join('\n'),
    );
    const s = summarise(reqs);
    expect(s).toMatchObject({ requests: 4, ok: 2, firstTry: 1, failed: 2 });
    expect(s.lastError?.error).toBe('no such host');
  });
});

describe('trafficByServer', () => {
  it('groups by server process (stable across restarts, apart on a shared address), DNS answers by the port an HTTP request named', () => {
    const reqs = parseClientLog(
      [
        line({ serviceId: 'consul-demo-host-b-7-aa11-1', port: 40001 }),
        line({ serviceId: 'consul-demo-host-b-7-aa11-2', port: 40002, protocol: 'v2' }),
        line({ serviceId: null, port: 40002 }),
        line({ serviceId: 'consul-demo-host-b-7-bb22-1', port: 41000 }),
        line({ serviceId: null, port: 41000 }),
        line({ serviceId: null, port: 49999 }),
        line({ address: null, ok: false, error: 'no instance' }),
      ].join('\n'),
    );
    expect(trafficByServer(reqs)).toEqual([
      { server: 'consul-demo-host-b-7-aa11', address: '10.0.0.130', requests: 3, ok: 3, incarnations: 2, protocols: ['v1', 'v2'] },
      { server: 'consul-demo-host-b-7-bb22', address: '10.0.0.130', requests: 2, ok: 2, incarnations: 1, protocols: ['v1'] },
      {
        server: '10.0.0.130 (DNS only: no HTTP request named this port)',
        address: '10.0.0.130',
        requests: 1,
        ok: 1,
        incarnations: 1,
        protocols: ['v1'],
      },
    ]);
  });
  it('reads the server process out of a service ID', () => {
    expect(demoServerOf('consul-demo-host-b-7-aa11-12')).toBe('consul-demo-host-b-7-aa11');
  });
});
