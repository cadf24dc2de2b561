// The lab view's "What the exercises added" against real Consul: a dev agent (dc1, Connect on as in every dev
// agent) WAN-joined to a second dev agent started with datacenter dc2. Registered here as the lab's exercises do:
// inventory-db with Meta registered-by=agent-config and a Connect sidecar, a deny intention, the registrator's
// last-die record in KV, workshop instances in both datacenters and the prepared query workshop-nearest with
// failover to dc2. The view runs in-process (startLabView) and is read through GET /api/state.
import { startAgent, type ConsulAgent, consulGet, retryOnTakenPort, waitForReady } from '../harness/consul';
import { readyOrStopped } from '../harness/processes';
import { useConsul, useConsulDev } from '../harness/consulFixture';
import { freePort } from '../harness/ports';
import { waitFor } from '../harness/waitFor';
import { parseConsulHttpAddr } from '../../services/shared/consul/address';
import { createConsulClient } from '../../services/shared/consul/client';
import { LabConsul } from '../../scripts/lib/consul/labConsul';
import { exerciseLines, gatherExercises } from '../../scripts/lib/lab/statusReport';
import { createLogger } from '../../services/shared/logger';
import { registratorLastDieKey } from '../../services/shared/names';
import type { Snapshot } from '../../services/lab-view/collector';
import { type LabViewServer, startLabView } from '../../services/lab-view/server';

const dc1 = useConsulDev({ name: `lvx-dc1-${process.pid}` });
const dc2 = useConsul(() =>
  retryOnTakenPort(async () => {
    const agent = await startAgent({ name: `lvx-dc2-${process.pid}`, ip: '127.0.0.1', dev: true, extraHcl: ['datacenter = "dc2"'] });
    return readyOrStopped(agent, () => waitForReady(agent, { catalog: true, intervalMs: 100 }));
  }),
);

let view: LabViewServer | undefined;
let stateUrl: string;

async function consulPut(agent: ConsulAgent, path: string, body?: unknown): Promise<string> {
  const res = await fetch(`${agent.httpUrl}${path}`, {
    method: 'PUT',
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`PUT ${path}: HTTP ${res.status} ${text}`);
  return text;
}

const ttl = (id: string, status = 'passing') => ({ CheckID: `service:${id}`, TTL: '10m', Status: status });

async function state(): Promise<Snapshot> {
  return (await (await fetch(stateUrl, { signal: AbortSignal.timeout(5000) })).json()) as Snapshot;
}

/** The state once `ok` holds for it (blocking queries and the 1 s poll bring each change within a second or two). */
function stateWhere(ok: (s: Snapshot) => boolean, what: string): Promise<Snapshot> {
  return waitFor(
    async () => {
      const s = await state();
      return ok(s) ? s : undefined;
    },
    { timeoutMs: 15_000, what },
  );
}

beforeAll(async () => {
  // Join dc1 to dc2 over the WAN: dc2's own WAN member says its serf_wan port.
  const wan = await consulGet<Array<{ Addr: string; Port: number }>>(dc2(), '/v1/agent/members?wan=1');
  await consulPut(dc1(), `/v1/agent/join/${wan[0]!.Addr}:${wan[0]!.Port}?wan=1`);
  await waitFor(async () => ((await consulGet<string[]>(dc1(), '/v1/catalog/datacenters')).includes('dc2') ? true : undefined), {
    timeoutMs: 20_000,
    what: 'dc2 in dc1’s datacenters',
  });

  const port = await freePort();
  view = await startLabView(
    {
      port,
      bind: '127.0.0.1',
      nginxUrl: 'http://127.0.0.1:1',
      logFormat: 'text',
      consulHttp: parseConsulHttpAddr(dc1().httpAddr),
    },
    createLogger({ name: 'lab-view', level: 'error' }),
  );
  stateUrl = `http://127.0.0.1:${view.port}/api/state`;
}, 60_000);

afterAll(async () => {
  await view?.close();
});

test("first: Connect's CA, nothing of exercises 6 and 7 yet, dc1 and dc2 known", async () => {
  // dc2's watch starts once dc2 is known, so its first answer comes a moment after the datacenters': wait for both.
  const s = await stateWhere(
    (x) => x.exercises.connect.ca !== null && x.exercises.datacenters.known.length === 2 && x.exercises.datacenters.dc2Workshop !== null,
    "CA, datacenters and dc2's first answer",
  );
  expect(s.exercises.connect.ca!.activeRoot).not.toBe('');
  expect(s.exercises.connect.ca!.trustDomain).toMatch(/\.consul$/);
  expect(s.exercises.registration).toEqual({ inventoryDb: [], lastDie: null });
  expect(s.exercises.connect.intentions).toEqual([]);
  expect(s.exercises.datacenters.known).toEqual(['dc1', 'dc2']);
  expect(s.exercises.datacenters.dc2Workshop).toEqual([]);
  expect(s.exercises.datacenters.query).toBeNull();
}, 30_000);

test('exercise 6 and 7: inventory-db with who registered it, its sidecar, a deny intention, the last-die record', async () => {
  await consulPut(dc1(), '/v1/agent/service/register', {
    Name: 'inventory-db',
    ID: 'inventory-db',
    Port: 6380,
    Meta: { 'registered-by': 'agent-config' },
    Check: ttl('inventory-db'),
    Connect: { SidecarService: {} },
  });
  await consulPut(dc1(), '/v1/agent/service/register', {
    Name: 'inventory-db',
    ID: 'inventory-db-hand',
    Port: 6381,
    Meta: { 'registered-by': 'hand' },
    Check: ttl('inventory-db-hand', 'critical'),
  });
  await consulPut(dc1(), '/v1/connect/intentions/exact?source=inventory-client&destination=inventory-db', { Action: 'deny' });
  // An intention that concerns neither: not shown.
  await consulPut(dc1(), '/v1/connect/intentions/exact?source=web&destination=api', { Action: 'allow' });
  const record = {
    serviceId: 'workshop-api-b3',
    container: '0123456789ab',
    exitCode: 137,
    eventAt: '2026-01-01T10:00:00.000Z',
    deregisteredAt: '2026-01-01T10:00:00.042Z',
    ms: 42,
  };
  await consulPut(dc1(), `/v1/kv/${registratorLastDieKey('host-b')}`, JSON.stringify(record));

  const s = await stateWhere(
    (x) =>
      x.exercises.registration.inventoryDb.length === 2 &&
      x.exercises.connect.sidecars.length === 1 &&
      x.exercises.connect.intentions.length === 1 &&
      x.exercises.registration.lastDie !== null,
    'inventory-db, its sidecar, the intention and the last-die record',
  );
  const node = `lvx-dc1-${process.pid}`;
  expect(s.exercises.registration.inventoryDb).toEqual([
    { id: 'inventory-db', service: 'inventory-db', node, status: 'passing', registeredBy: 'agent-config' },
    { id: 'inventory-db-hand', service: 'inventory-db', node, status: 'critical', registeredBy: 'hand' },
  ]);
  expect(s.exercises.registration.lastDie).toEqual({
    serviceId: 'workshop-api-b3',
    exitCode: 137,
    ms: 42,
    deregisteredAt: '2026-01-01T10:00:00.042Z',
  });
  expect(s.exercises.connect.sidecars[0]).toMatchObject({ id: 'inventory-db-sidecar-proxy', service: 'inventory-db-sidecar-proxy', node });
  expect(s.exercises.connect.intentions).toEqual([{ source: 'inventory-client', destination: 'inventory-db', action: 'deny' }]);

  // Turned to allow: the blocking query on /v1/connect/intentions brings it.
  await consulPut(dc1(), '/v1/connect/intentions/exact?source=inventory-client&destination=inventory-db', { Action: 'allow' });
  await stateWhere((x) => x.exercises.connect.intentions[0]?.action === 'allow', 'the intention turned to allow');
}, 60_000);

test("exercise 8: dc2's workshop instances, and the prepared query answering from dc1, then from dc2 once dc1 has none passing", async () => {
  await consulPut(dc1(), '/v1/agent/service/register', {
    Name: 'workshop',
    ID: 'workshop-api-a1',
    Port: 3001,
    Check: ttl('workshop-api-a1'),
  });
  for (const n of ['c1', 'c2']) {
    await consulPut(dc2(), '/v1/agent/service/register', {
      Name: 'workshop',
      ID: `workshop-api-${n}`,
      Port: 3001,
      Check: ttl(`workshop-api-${n}`),
    });
  }
  const created = await fetch(`${dc1().httpUrl}/v1/query`, {
    method: 'POST',
    body: JSON.stringify({
      Name: 'workshop-nearest',
      Service: { Service: 'workshop', OnlyPassing: true, Failover: { Datacenters: ['dc2'] } },
    }),
    signal: AbortSignal.timeout(5000),
  });
  expect(created.status).toBe(200);

  let s = await stateWhere(
    (x) => x.exercises.datacenters.dc2Workshop?.length === 2 && x.exercises.datacenters.query?.answer?.datacenter === 'dc1',
    "dc2's instances and the query answering from dc1",
  );
  expect(s.exercises.datacenters.dc2Workshop!.map((r) => [r.id, r.status])).toEqual([
    ['workshop-api-c1', 'passing'],
    ['workshop-api-c2', 'passing'],
  ]);
  expect(s.exercises.datacenters.query).toMatchObject({
    name: 'workshop-nearest',
    service: 'workshop',
    failoverDatacenters: ['dc2'],
    answer: { datacenter: 'dc1', failovers: 0, instances: ['workshop-api-a1'] },
    error: null,
  });

  // dc1's only instance fails: the health change makes the view execute the query again, now answered by dc2.
  await consulPut(dc1(), '/v1/agent/check/fail/service:workshop-api-a1');
  s = await stateWhere((x) => x.exercises.datacenters.query?.answer?.datacenter === 'dc2', 'the query failing over to dc2');
  expect(s.exercises.datacenters.query!.answer).toEqual({
    datacenter: 'dc2',
    failovers: 1,
    instances: ['workshop-api-c1', 'workshop-api-c2'],
  });
}, 60_000);

test('lab:status reads the same from Consul: inventory-db and who registered it, the sidecar, the intentions, both datacenters', async () => {
  const client = createConsulClient(parseConsulHttpAddr(dc1().httpAddr));
  try {
    const ex = await gatherExercises({ consul: new LabConsul(client, dc1().httpUrl) });
    expect(ex.inventoryDb.map((i) => [i.id, i.meta['registered-by']])).toEqual([
      ['inventory-db', 'agent-config'],
      ['inventory-db-hand', 'hand'],
    ]);
    expect(ex.sidecars.map((i) => i.id)).toEqual(['inventory-db-sidecar-proxy']);
    // Only the pair's: web → api is left out.
    expect(ex.intentions).toEqual([{ source: 'inventory-client', destination: 'inventory-db', action: 'allow' }]);
    expect(ex.datacenters).toEqual(['dc1', 'dc2']);
    expect(ex.dc2Workshop!.map((i) => i.id)).toEqual(['workshop-api-c1', 'workshop-api-c2']);
    expect(exerciseLines({ ok: true, value: ex })).toContain('  Datacenters: dc1, dc2; dc2 workshop: 2 instances, 2 passing');
  } finally {
    client.destroy();
  }
}, 30_000);
