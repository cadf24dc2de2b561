import type { ClientRequest } from '../demo/clientLog';
import type { LabContainer } from '../docker/labContainers';
import type { WorkshopTarget } from '../workshop/instances';
import { ApiLoad, ApiSample, countApi, countApiWindows } from './apiLoad';
import { firstAttemptFailures, windowFrom } from './clientRates';
import { residentBytes } from './memory';
import { BASELINE, DEFAULT_WHERE, OURS, composeEnv, parseBenchProject, parseSubnetPrefix } from './settings';
import { pickTarget } from './stopTrials';
import { teardownOnce } from './teardown';

describe('/api/ errors in a window', () => {
  const samples: ApiSample[] = [
    { at: 1000, status: 200 },
    { at: 1100, status: 502 },
    { at: 1200, status: null, error: 'ECONNREFUSED' },
    { at: 1300, status: 404 },
    { at: 2000, status: 503 },
  ];
  test('5xx answers and unanswered requests are errors; a 404 is an answer', () => {
    expect(countApi(samples, 1000, 2000)).toEqual({ requests: 4, status5xx: 1, noAnswer: 1, errors: 2 });
  });
  test('windows are [from, to) and add up', () => {
    expect(countApi(samples, 2000, 2001).errors).toBe(1);
    expect(
      countApiWindows(samples, [
        [1000, 1150],
        [1900, 2500],
      ]),
    ).toEqual({ requests: 3, status5xx: 2, noAnswer: 0, errors: 2 });
  });
  test('the load only ever goes to loopback', () => {
    expect(() => new ApiLoad('http://10.0.0.5:80/api/', 25)).toThrow(/loopback only/);
    expect(() => new ApiLoad('http://127.0.0.1:19080/api/', 25)).not.toThrow();
  });
});

describe('demo client rates from its --json lines', () => {
  const req = (ok: boolean, attempts: number, error: string | null = null): ClientRequest => ({
    ts: 1,
    discovery: 'dns',
    serviceId: null,
    address: '10.0.0.5',
    port: 4000,
    protocol: 'v1',
    ok,
    attempts,
    latencyMs: 3,
    error,
  });
  test('first try = ok on attempt 1; with retry = ok at all', () => {
    const w = windowFrom(2, 0, 60_000, [req(true, 1), req(true, 1), req(true, 2), req(false, 2, 'ECONNREFUSED')]);
    expect(w).toMatchObject({ servers: 2, requests: 4, firstTry: 2, ok: 3, firstTryRate: 0.5, withRetryRate: 0.75 });
    expect(w.failures).toEqual([{ error: 'ECONNREFUSED', count: 1 }]);
  });
  test("why first attempts failed: the client's stderr warnings in the window, addresses blanked", () => {
    const log = [
      '2026-11-22T03:00:01.000Z WARN  consul-demo-client  attempt 1 failed: "connect ECONNREFUSED 10.213.77.130:41234" discovery=dns instance=10.213.77.130:41234 retry="another instance"',
      '2026-11-22T03:00:02.000Z WARN  consul-demo-client  attempt 1 failed: "connect ECONNREFUSED 10.213.77.131:40000" discovery=dns instance=10.213.77.131:40000 retry="another instance"',
      '2026-11-22T03:00:03.000Z WARN  consul-demo-client  attempt 1 failed: "no instance found" discovery=http instance=null retry="fresh discovery"',
      '2026-11-22T03:10:00.000Z WARN  consul-demo-client  attempt 1 failed: "late" discovery=http instance=null retry="fresh discovery"',
      '2026-11-22T03:00:04.000Z INFO  consul-demo-client  something else',
    ].join('\n');
    expect(firstAttemptFailures(log, Date.parse('2026-11-22T03:00:00Z'), Date.parse('2026-11-22T03:01:00Z'))).toEqual([
      { error: 'dns: connect ECONNREFUSED <addr>', count: 2 },
      { error: 'http: no instance found', count: 1 },
    ]);
  });

  test('no requests: rates 0 (the bench warns)', () => {
    expect(windowFrom(1, 0, 1, [])).toMatchObject({ requests: 0, firstTryRate: 0, withRetryRate: 0 });
  });
});

test('resident memory = usage minus inactive file cache (cgroup v1 and v2 names)', () => {
  expect(residentBytes({ usage: 100, stats: { total_inactive_file: 30 } })).toBe(70);
  expect(residentBytes({ usage: 100, stats: { inactive_file: 40 } })).toBe(60);
  expect(residentBytes({ usage: 100 })).toBe(100);
  expect(residentBytes({})).toBe(0);
});

describe('where and how the bench lab runs', () => {
  test("never the students' lab", () => {
    expect(() => parseBenchProject('consul-lab')).toThrow(/students' lab/);
    expect(() => parseBenchProject('Bad Name')).toThrow(/not a Compose project name/);
    expect(parseBenchProject('my-bench')).toBe('my-bench');
    expect(DEFAULT_WHERE).toMatchObject({ project: 'consul-lab-bench', subnetPrefix: '10.213.77' });
    expect([DEFAULT_WHERE.consulHttpPort, DEFAULT_WHERE.consulDnsPort, DEFAULT_WHERE.nginxPort]).not.toContain(8500);
  });
  test('subnet prefix', () => {
    expect(parseSubnetPrefix('10.213.77')).toBe('10.213.77');
    expect(() => parseSubnetPrefix('10.213.300')).toThrow(/first three numbers/);
    expect(() => parseSubnetPrefix('10.213.0.0/24')).toThrow(/first three numbers/);
  });
  test('Compose env: its ports and subnet, plus the settings under test', () => {
    expect(composeEnv(DEFAULT_WHERE, OURS)).toMatchObject({
      LAB_CONSUL_HTTP_PORT: '19500',
      LAB_NGINX_PORT: '19080',
      LAB_SUBNET_PREFIX: '10.213.77',
      LAB_WORKSHOP_CHECK_INTERVAL: '1s',
      LAB_NGINX_APPLY: 'reload',
      LAB_DEMO_DNS_LOOKUP: 'srv',
    });
    expect(composeEnv(DEFAULT_WHERE, BASELINE)).toMatchObject({
      LAB_WORKSHOP_CHECK_INTERVAL: '10s',
      LAB_NGINX_APPLY: 'restart',
      LAB_DEMO_DNS_LOOKUP: 'srv+a',
    });
  });
});

test('trial targets: passing running instances taken in turn', () => {
  const t = (name: string, state: string, status?: 'passing' | 'critical'): WorkshopTarget => ({
    container: { state } as LabContainer,
    hostname: name,
    name,
    serviceId: `workshop-${name}`,
    registration: status ? ({ status } as WorkshopTarget['registration']) : undefined,
  });
  const targets = [t('a', 'running', 'passing'), t('b', 'exited'), t('c', 'running', 'critical'), t('d', 'running', 'passing')];
  expect([0, 1, 2].map((i) => pickTarget(targets, i)?.name)).toEqual(['a', 'd', 'a']);
  expect(pickTarget([t('b', 'exited')], 0)).toBeUndefined();
});

test('a fixed target: only that Compose service, whatever the index (the registrator trials take api-b3)', () => {
  const t = (service: string, status: 'passing' | 'critical'): WorkshopTarget => ({
    container: { state: 'running', service } as LabContainer,
    hostname: 'host-b',
    name: service.replace('workshop-', ''),
    serviceId: service,
    registration: { status } as WorkshopTarget['registration'],
  });
  const targets = [t('workshop-api-b1', 'passing'), t('workshop-api-b3', 'passing')];
  expect([0, 1, 2].map((i) => pickTarget(targets, i, 'workshop-api-b3')?.name)).toEqual(['api-b3', 'api-b3', 'api-b3']);
  expect(pickTarget([t('workshop-api-b1', 'passing'), t('workshop-api-b3', 'critical')], 0, 'workshop-api-b3')).toBeUndefined();
});

describe('teardown', () => {
  test('runs once, however often it is asked for (end of run, failure, Ctrl-C)', async () => {
    let calls = 0;
    const t = teardownOnce(
      async () => void (calls += 1),
      () => undefined,
      'docker compose -p x down -v',
    );
    try {
      await Promise.all([t.run(), t.run()]);
      await t.run();
      expect(calls).toBe(1);
    } finally {
      t.dispose();
    }
  });
  test('installs SIGINT/SIGTERM handlers and removes them again', () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const t = teardownOnce(
      async () => undefined,
      () => undefined,
      'x',
    );
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual([before[0]! + 1, before[1]! + 1]);
    t.dispose();
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });
});
