import { ClientRequestLine, Stats, resultJson, resultText, summaryJson, summaryText } from './summary';

const result = (over: Partial<ClientRequestLine>): ClientRequestLine => ({
  ts: '2026-11-22T10:00:00.000Z',
  discovery: 'dns',
  serviceId: null,
  address: '127.0.0.1',
  port: 4000,
  protocol: 'v1',
  ok: true,
  attempts: 1,
  latencyMs: 3,
  error: null,
  ...over,
});

test('--json line has exactly the contract keys, in order', () => {
  const line = resultJson(result({ discovery: 'http', serviceId: 'consul-demo-x-1-1' }));
  expect(Object.keys(JSON.parse(line))).toEqual([
    'ts',
    'discovery',
    'serviceId',
    'address',
    'port',
    'protocol',
    'ok',
    'attempts',
    'latencyMs',
    'error',
  ]);
  expect(line).not.toContain('\n');
});

test('text line says what happened in plain words', () => {
  expect(resultText(result({}), 7)).toBe('2026-11-22T10:00:00.000Z #7 dns  v1 127.0.0.1:4000 - 3ms ok');
  const failed = resultText(result({ ok: false, attempts: 2, address: null, port: null, protocol: null, error: 'no instance found' }), 8);
  expect(failed).toBe('2026-11-22T10:00:00.000Z #8 dns  -- - - 3ms FAILED after 2 attempts: no instance found');
});

test('stats count first-try successes, retries, failures, per method and protocol', () => {
  const s = new Stats();
  s.add(result({}));
  s.add(result({ discovery: 'http', protocol: 'v2' }));
  s.add(result({ discovery: 'http', protocol: 'v2', attempts: 2 }));
  s.add(result({ ok: false, attempts: 2, protocol: null, error: 'no instance' }));
  const sum = s.summary();
  expect(sum).toMatchObject({ requests: 4, ok: 3, failed: 1, firstTryOk: 2, firstTryRate: 0.5 });
  expect(sum.byDiscovery).toEqual({ dns: { requests: 2, ok: 1, firstTryOk: 1 }, http: { requests: 2, ok: 2, firstTryOk: 1 } });
  expect(sum.byProtocol).toEqual({ v1: { requests: 1, ok: 1, firstTryOk: 1 }, v2: { requests: 2, ok: 2, firstTryOk: 1 } });
  expect(summaryText(sum)).toMatch(/^summary: 4 requests, 3 ok, 1 failed, first-try success 50\.0% \(2\/4\), within the retry 75\.0%/);
  expect(JSON.parse(summaryJson(sum)).summary.requests).toBe(4);
});

test('an empty summary does not divide by zero', () => {
  const sum = new Stats().summary();
  expect(sum.firstTryRate).toBe(0);
  expect(summaryText(sum)).toContain('n/a');
});
