import { parseClientLine, parseClientLog, summarise, trafficByAddress } from './clientLog';

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

describe('trafficByAddress', () => {
  it('groups by server address (stable across restarts), counting incarnations by port', () => {
    const reqs = parseClientLog(
      [
        line({}),
        line({ serviceId: 'consul-demo-a-1-2', port: 40002, protocol: 'v2' }),
        line({ address: '10.0.0.131', serviceId: null }),
        line({ address: '10.0.0.131', serviceId: 'consul-demo-b-1-1' }),
        line({ address: null, ok: false, error: 'no instance' }),
      ].join('\n'),
    );
    expect(trafficByAddress(reqs)).toEqual([
      { address: '10.0.0.130', requests: 2, ok: 2, incarnations: 2, protocols: ['v1', 'v2'] },
      { address: '10.0.0.131', requests: 2, ok: 2, incarnations: 1, protocols: ['v1'] },
    ]);
  });
});
