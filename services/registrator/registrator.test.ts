import { createLogger } from '../shared/logger';
import { Registrator } from './registrator';
import { FakeClock, FakeConsul, FakeDocker, HOST_CONTAINER, eventFor, settle, workload } from './testdata/fakes';

const B1 = '1'.repeat(64);
const B2 = '2'.repeat(64);

function setUp() {
  const docker = new FakeDocker();
  const consul = new FakeConsul();
  const clock = new FakeClock();
  const lines: string[] = [];
  const logger = createLogger({ name: 'registrator', write: (l) => lines.push(l), now: () => new Date(clock.now()) });
  const registrator = new Registrator({ docker, consul, clock, logger, host: 'host-b', project: 'lab', hostContainerId: HOST_CONTAINER });
  let done: Promise<void> | undefined;
  const start = async () => {
    done = registrator.run();
    await settle();
  };
  const stop = async () => {
    registrator.stop();
    await done;
  };
  return { docker, consul, clock, lines, registrator, start, stop };
}

test('subscribes BEFORE listing, and registers the running workloads it finds', async () => {
  const w = setUp();
  w.docker.add(workload(B1, 'lab-workshop-api-b1-1', { 'lab.service.id': 'workshop-b1' }));
  await w.start();
  expect(w.docker.calls.slice(0, 2)).toEqual(['events', 'running']);
  expect(w.consul.ids()).toEqual(['workshop-b1']);
  expect(w.registrator.health()).toEqual({ ok: true, reason: 'ok' });
  await w.stop();
});

test('start registers (after an inspect); die deregisters at once and writes last-die', async () => {
  const w = setUp();
  await w.start();
  const c = workload(B1, 'lab-workshop-api-b1-1', { 'lab.service.id': 'workshop-b1', 'lab.service.meta.name': 'b1' });
  w.docker.add(c);
  w.docker.stream.push(eventFor(c, 'start', w.clock.now()));
  await settle();
  expect(w.docker.calls).toContain(`inspect ${B1}`);
  const reg = w.consul.services_.get('workshop-b1')?.registration;
  expect(reg).toMatchObject({
    name: 'workshop',
    port: 8083,
    meta: { name: 'b1', 'registered-by': 'registrator', container: '111111111111' },
    check: { http: 'http://127.0.0.1:8083/health', deregistercriticalserviceafter: '1m' },
  });

  // The container is gone before the event is handled: nothing is inspected for a die.
  w.docker.containers.delete(B1);
  const inspects = w.docker.calls.filter((x) => x.startsWith('inspect')).length;
  const eventAt = w.clock.now() - 12;
  w.docker.stream.push(eventFor(c, 'die', eventAt, 137));
  await settle();
  expect(w.docker.calls.filter((x) => x.startsWith('inspect')).length).toBe(inspects);
  expect(w.consul.ids()).toEqual([]);
  expect(w.consul.lastDie).toEqual({
    serviceId: 'workshop-b1',
    container: '111111111111',
    exitCode: 137,
    eventAt: new Date(eventAt).toISOString(),
    deregisteredAt: new Date(w.clock.now()).toISOString(),
    ms: 12,
  });
  expect(w.lines.join('\n')).toMatch(/container died: deregistered {2}serviceId=workshop-b1 container=111111111111 exitCode=137 ms=12/);
  await w.stop();
});

test('reconcile every 15 s: a stale registrator registration goes, a missed container is added, a foreign one stays', async () => {
  const w = setUp();
  w.consul.addForeign('workshop-hand', { 'registered-by': 'hand' });
  w.consul.addForeign('workshop-self');
  // Left behind by a container that died while no registrator ran.
  w.consul.services_.set('workshop-old', { meta: { 'registered-by': 'registrator', container: '999999999999' } });
  await w.start();
  expect(w.consul.ids()).toEqual(['workshop-hand', 'workshop-self']);

  // A container that started while the stream missed it (no event).
  w.docker.add(workload(B2, 'lab-workshop-api-b2-1', { 'lab.service.id': 'workshop-b2' }));
  await w.clock.advance(14_999);
  expect(w.consul.ids()).not.toContain('workshop-b2');
  await w.clock.advance(1);
  expect(w.consul.ids()).toEqual(['workshop-b2', 'workshop-hand', 'workshop-self']);
  await w.stop();
});

test('a service ID held by a registration the registrator does not own is left alone', async () => {
  const w = setUp();
  w.consul.addForeign('workshop-b1', { name: 'self' });
  w.docker.add(workload(B1, 'x', { 'lab.service.id': 'workshop-b1' }));
  await w.start();
  expect(w.consul.services_.get('workshop-b1')).toEqual({ meta: { name: 'self' } });
  expect(w.lines.join('\n')).toMatch(/service ID already registered by someone else/);
  // And its container dying does not take the foreign registration away either.
  w.docker.stream.push(eventFor(workload(B1, 'x', { 'lab.service.id': 'workshop-b1' }), 'die', w.clock.now(), 0));
  await settle();
  expect(w.consul.ids()).toEqual(['workshop-b1']);
  await w.stop();
});

test.each([
  ['another namespace', { networkMode: `container:${'f'.repeat(64)}` }],
  ['the default bridge', { networkMode: 'bridge' }],
  ['another project', { project: 'other' }],
  ['another host', { host: 'host-a' }],
])('a labelled container in %s is ignored, with one warning', async (_what, change) => {
  const w = setUp();
  const c = workload(B1, 'intruder', {
    'lab.service.id': 'workshop-b1',
    ...('project' in change ? { 'com.docker.compose.project': change.project } : {}),
    ...('host' in change ? { 'lab.registrator': change.host } : {}),
  });
  if ('networkMode' in change) c.networkMode = change.networkMode;
  w.docker.add(c);
  await w.start();
  w.docker.stream.push(eventFor(c, 'start', w.clock.now()));
  await settle();
  await w.clock.advance(15_000);
  expect(w.consul.ids()).toEqual([]);
  expect(w.lines.filter((l) => l.includes('ignored'))).toHaveLength(1);
  await w.stop();
});

test('a bad label: one warning naming it, the container skipped, the loop goes on', async () => {
  const w = setUp();
  w.docker.add(workload(B1, 'bad', { 'lab.service.port': '99999' }));
  w.docker.add(workload(B2, 'good', { 'lab.service.id': 'workshop-good' }));
  await w.start();
  await w.clock.advance(15_000);
  expect(w.consul.ids()).toEqual(['workshop-good']);
  const warnings = w.lines.filter((l) => l.includes('labels refused'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/lab\.service\.port: must be a port number/);
  await w.stop();
});

test('the event stream breaks: reconnect with backoff 0.5 s doubling, and reconcile on reconnect', async () => {
  const w = setUp();
  await w.start();
  expect(w.registrator.health().ok).toBe(true);
  w.docker.failSubscribes = 2;
  w.docker.stream.end(new Error('socket hang up'));
  await settle();
  expect(w.registrator.health()).toEqual({ ok: false, reason: 'Docker event stream not connected' });
  expect(w.lines.join('\n')).toMatch(/Docker event stream ended; reconnecting {2}retryInMs=500 error="socket hang up"/);
  // A container started while the stream was down: the reconcile after the reconnect finds it.
  w.docker.add(workload(B1, 'lab-workshop-api-b1-1', { 'lab.service.id': 'workshop-b1' }));
  await w.clock.advance(500); // first attempt fails
  await w.clock.advance(1000); // second fails
  await w.clock.advance(2000); // third subscribes
  expect(w.clock.slept.filter((ms) => ms !== 15_000)).toEqual([500, 1000, 2000]);
  expect(w.docker.streams).toHaveLength(2);
  expect(w.consul.ids()).toEqual(['workshop-b1']);
  expect(w.registrator.health().ok).toBe(true);
  await w.stop();
});

test('an unreachable agent: logged once per outage, retried with backoff until it answers, never fatal', async () => {
  const w = setUp();
  w.docker.add(workload(B1, 'lab-workshop-api-b1-1', { 'lab.service.id': 'workshop-b1' }));
  w.consul.failNext = 3;
  await w.start();
  expect(w.consul.ids()).toEqual([]);
  expect(w.registrator.health()).toMatchObject({
    ok: false,
    reason: expect.stringMatching(/^last reconcile failed: Consul agent unreachable/),
  });
  await w.clock.advance(500);
  await w.clock.advance(1000);
  expect(w.consul.ids()).toEqual([]);
  await w.clock.advance(2000);
  expect(w.consul.ids()).toEqual(['workshop-b1']);
  expect(w.registrator.health().ok).toBe(true);
  expect(w.lines.filter((l) => l.includes('Consul agent unreachable'))).toHaveLength(1);
  expect(w.lines.filter((l) => l.includes('Consul agent reachable again'))).toHaveLength(1);
  await w.stop();
});

test('a die while the agent is down: the registration goes with the retry', async () => {
  const w = setUp();
  const c = workload(B1, 'lab-workshop-api-b1-1', { 'lab.service.id': 'workshop-b1' });
  w.docker.add(c);
  await w.start();
  w.docker.containers.delete(B1);
  w.consul.failNext = 1;
  w.docker.stream.push(eventFor(c, 'die', w.clock.now(), 1));
  await settle();
  expect(w.consul.ids()).toEqual(['workshop-b1']);
  await w.clock.advance(500);
  expect(w.consul.ids()).toEqual([]);
  await w.stop();
});

test('stop: the stream is closed, registrations are left as they are', async () => {
  const w = setUp();
  w.docker.add(workload(B1, 'lab-workshop-api-b1-1', { 'lab.service.id': 'workshop-b1' }));
  await w.start();
  await w.stop();
  expect(w.docker.stream.closed).toBe(true);
  expect(w.consul.ids()).toEqual(['workshop-b1']);
});
