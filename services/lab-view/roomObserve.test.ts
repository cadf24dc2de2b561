import fc from 'fast-check';
import type { StateCheck } from './cluster';
import { seeRoom } from './roomObserve';

const chk = (Node: string, CheckID: string, Status: string, ServiceID = ''): StateCheck => ({
  Node,
  CheckID,
  Status,
  ServiceID,
  ServiceName: ServiceID,
});
const nodes = (...names: string[]): unknown => names.map((Node) => ({ Node, Address: '10.0.0.9' }));
const page = { ok: true as const, ids: [] };

test('service-level and node-level checks, serfHealth, and who is no student', () => {
  const seen = seeRoom(
    nodes('student-alice', 'student-bob', 'student-carol', 'host-a', 'student-<b>', 'student-'),
    [
      chk('student-alice', 'serfHealth', 'passing'),
      chk('student-alice', 'service:workshop-alice', 'passing', 'workshop-alice'),
      chk('student-bob', 'serfHealth', 'passing'),
      chk('student-bob', 'workshop-bob-node-check', 'critical'),
      chk('student-carol', 'serfHealth', 'critical'),
      chk('student-carol', 'service:workshop-carol', 'passing', 'workshop-carol'),
      // someone else's service on carol's node does not make carol's API
      chk('student-dave', 'service:workshop-dave', 'passing', 'workshop-dave'),
    ],
    page,
  );
  expect(seen.ignored).toBe(1);
  expect(seen.students).toEqual([
    { name: 'alice', agentAlive: true, apiPassing: true, checkScope: 'service', nodeCritical: false },
    { name: 'bob', agentAlive: true, apiPassing: false, checkScope: 'node', nodeCritical: true },
    // a dead agent fails the API too, as Consul's health/service would say
    { name: 'carol', agentAlive: false, apiPassing: false, checkScope: 'service', nodeCritical: false },
  ]);
});

test('no check for the API at all is not passing', () => {
  const seen = seeRoom(nodes('student-erin'), [chk('student-erin', 'serfHealth', 'passing')], page);
  expect(seen.students[0]).toMatchObject({ apiPassing: false, checkScope: 'none' });
});

test('arbitrary JSON for the nodes never throws and yields only GitHub logins', () => {
  fc.assert(
    fc.property(fc.anything(), fc.array(fc.string()), (body, extra) => {
      const seen = seeRoom(body, [], page);
      const more = seeRoom(nodes(...extra.map((e) => `student-${e}`)), [], page);
      for (const s of [...seen.students, ...more.students]) expect(s.name).toMatch(/^[A-Za-z0-9-]{1,39}$/);
    }),
  );
});
