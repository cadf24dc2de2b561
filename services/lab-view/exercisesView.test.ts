// The views of exercises 6-8 over answers shaped like Consul 1.20.5's (fields trimmed to a few around those read),
// and over anything else: never a crash, never a field of the wrong type.
import fc from 'fast-check';
import { emptyExercisesView, toCa, toDatacenters, toInstanceRows, toIntentions, toLastDie, toQuery, toQueryAnswer } from './exercisesView';

const check = (Node: string, ServiceID: string, Status: string, CheckID = `service:${ServiceID}`) => ({
  Node,
  CheckID,
  Name: CheckID,
  Status,
  ServiceID,
  ServiceName: ServiceID ? 'inventory-db' : '',
  Type: ServiceID ? 'tcp' : '',
  CreateIndex: 20,
  ModifyIndex: 25,
});

/** GET /v1/health/service/inventory-db on 1.20.5: the node, the service, its checks and the node's serfHealth. */
const inventoryDb = [
  {
    Node: { ID: 'b1e2…', Node: 'host-b', Address: '10.213.50.22', Datacenter: 'dc1', Meta: { 'consul-network-segment': '' } },
    Service: {
      ID: 'inventory-db',
      Service: 'inventory-db',
      Tags: [],
      Address: '',
      Meta: { 'registered-by': 'agent-config' },
      Port: 6379,
      Connect: {},
      Proxy: { Mode: '', MeshGateway: {}, Expose: {} },
      PeerName: '',
      Datacenter: 'dc1',
    },
    Checks: [check('host-b', '', 'passing', 'serfHealth'), check('host-b', 'inventory-db', 'passing')],
  },
  {
    Node: { Node: 'host-b', Address: '10.213.50.22' },
    Service: { ID: 'inventory-db-2', Service: 'inventory-db', Meta: { 'registered-by': 'hand' }, Port: 6380 },
    Checks: [check('host-b', '', 'passing', 'serfHealth'), check('host-b', 'inventory-db-2', 'critical')],
  },
  {
    Node: { Node: 'host-b' },
    Service: { ID: 'inventory-db-3', Service: 'inventory-db', Meta: null, Port: 6381 },
    Checks: [check('host-b', '', 'critical', 'serfHealth'), check('host-b', 'inventory-db-3', 'passing')],
  },
];

describe('toInstanceRows', () => {
  it('one row per instance: who registered it (Meta registered-by, "" when unsaid), its worst check with the node’s', () => {
    expect(toInstanceRows(inventoryDb)).toEqual([
      { id: 'inventory-db', service: 'inventory-db', node: 'host-b', status: 'passing', registeredBy: 'agent-config' },
      { id: 'inventory-db-2', service: 'inventory-db', node: 'host-b', status: 'critical', registeredBy: 'hand' },
      { id: 'inventory-db-3', service: 'inventory-db', node: 'host-b', status: 'critical', registeredBy: '' },
    ]);
  });
  it('not a list, or entries without an ID: nothing', () => {
    expect(toInstanceRows({ Node: 'x' })).toEqual([]);
    expect(toInstanceRows([{ Service: { Service: 'x' } }, null, 7])).toEqual([]);
  });
});

describe('toLastDie', () => {
  const record = {
    serviceId: 'workshop-api-b3',
    container: '0123456789ab',
    exitCode: 137,
    eventAt: '2026-01-01T10:00:00.000Z',
    deregisteredAt: '2026-01-01T10:00:00.042Z',
    ms: 41.6,
  };
  // The `consul` client's kv.get: the entry with Value decoded from base64; undefined for a missing key (404).
  const entry = (Value: unknown) => ({
    LockIndex: 0,
    Key: 'lab/registrator/host-b/last-die',
    Flags: 0,
    Value,
    CreateIndex: 9,
    ModifyIndex: 9,
  });

  it('the record: service, exit code, ms (rounded)', () => {
    expect(toLastDie(entry(JSON.stringify(record)))).toEqual({
      serviceId: 'workshop-api-b3',
      exitCode: 137,
      ms: 42,
      deregisteredAt: '2026-01-01T10:00:00.042Z',
    });
    expect(toLastDie(entry(JSON.stringify({ ...record, exitCode: null })))?.exitCode).toBeNull();
  });
  it('no key, an empty value, not JSON, another shape: no record', () => {
    expect(toLastDie(undefined)).toBeNull();
    expect(toLastDie(entry(null))).toBeNull();
    expect(toLastDie(entry('{'))).toBeNull();
    expect(toLastDie(entry(JSON.stringify({ ...record, ms: '42' })))).toBeNull();
  });
});

describe('toCa', () => {
  // GET /v1/connect/ca/roots on a 1.20.5 dev agent (certificates cut).
  const roots = {
    ActiveRootID: '3c:1d:…',
    TrustDomain: '11111111-2222-3333-4444-555555555555.consul',
    Roots: [
      { ID: 'old', Name: 'Consul CA Primary Cert', Active: false },
      { ID: '3c:1d:…', Name: 'Consul CA Primary Cert', SerialNumber: 7, Active: true, RootCert: '-----BEGIN…' },
    ],
  };
  it('the active root and the trust domain', () => {
    expect(toCa(roots)).toEqual({ activeRoot: 'Consul CA Primary Cert', trustDomain: '11111111-2222-3333-4444-555555555555.consul' });
  });
  it('no active root (Connect off answers an empty list), or not an object: none', () => {
    expect(toCa({ ActiveRootID: '', TrustDomain: '', Roots: [] })).toBeNull();
    expect(toCa({ ...roots, ActiveRootID: 'gone' })).toBeNull();
    expect(toCa('Connect must be enabled')).toBeNull();
  });
});

describe('toIntentions', () => {
  // GET /v1/connect/intentions on 1.20.5 (config entries: no ID), highest precedence first.
  const list = [
    { SourceName: 'inventory-client', DestinationName: 'inventory-db', SourceType: 'consul', Action: 'deny', Precedence: 9 },
    { SourceName: 'web', DestinationName: 'api', SourceType: 'consul', Action: 'allow', Precedence: 9 },
    { SourceName: '*', DestinationName: 'inventory-db', Action: 'allow', Precedence: 8 },
    { SourceName: 'inventory-client', DestinationName: 'billing', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }] },
    { SourceName: 'x', DestinationName: '' },
  ];
  it('those that concern inventory-client or inventory-db, in Consul’s order; L7 ones say so', () => {
    expect(toIntentions(list)).toEqual([
      { source: 'inventory-client', destination: 'inventory-db', action: 'deny' },
      { source: '*', destination: 'inventory-db', action: 'allow' },
      { source: 'inventory-client', destination: 'billing', action: 'L7' },
    ]);
  });
  it('none, or not a list', () => {
    expect(toIntentions([])).toEqual([]);
    expect(toIntentions({ error: 'x' })).toEqual([]);
  });
});

describe('datacenters and the prepared query', () => {
  it('the datacenters as listed; anything else none', () => {
    expect(toDatacenters(['dc1', 'dc2'])).toEqual(['dc1', 'dc2']);
    expect(toDatacenters(['dc1', 2])).toEqual([]);
  });
  // GET /v1/query on 1.20.5 (fields trimmed).
  const queries = [
    { ID: 'a', Name: 'other', Service: { Service: 'x' } },
    {
      ID: '8f0e…',
      Name: 'workshop-nearest',
      Session: '',
      Token: '',
      Service: { Service: 'workshop', Failover: { NearestN: 0, Datacenters: ['dc2'], Targets: null }, OnlyPassing: true, Tags: null },
      DNS: { TTL: '' },
    },
  ];
  it('workshop-nearest with its failover datacenters, not answered yet; absent: none', () => {
    expect(toQuery(queries)).toEqual({
      name: 'workshop-nearest',
      service: 'workshop',
      failoverDatacenters: ['dc2'],
      answer: null,
      error: null,
    });
    expect(toQuery([queries[0]])).toBeNull();
    expect(toQuery(null)).toBeNull();
  });
  it('its execution: where it answered from, the failovers, the instances sorted', () => {
    const executed = {
      Service: 'workshop',
      Nodes: [
        { Node: { Node: 'host-c' }, Service: { ID: 'workshop-api-c2', Service: 'workshop' }, Checks: [] },
        { Node: { Node: 'host-c' }, Service: { ID: 'workshop-api-c1', Service: 'workshop' }, Checks: [] },
      ],
      DNS: { TTL: '' },
      Datacenter: 'dc2',
      Failovers: 1,
    };
    expect(toQueryAnswer(executed)).toEqual({ datacenter: 'dc2', failovers: 1, instances: ['workshop-api-c1', 'workshop-api-c2'] });
    expect(toQueryAnswer({ Datacenter: 'dc1', Failovers: 0, Nodes: null })).toEqual({ datacenter: 'dc1', failovers: 0, instances: [] });
  });
});

test('arbitrary JSON never breaks a view, and every field has its type', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      for (const r of toInstanceRows(v)) expect(typeof r.id + typeof r.registeredBy + typeof r.node).toBe('stringstringstring');
      for (const i of toIntentions(v)) expect(typeof i.source + typeof i.destination + typeof i.action).toBe('stringstringstring');
      toLastDie(v);
      toCa(v);
      toDatacenters(v);
      toQuery(v);
      toQueryAnswer(v);
    }),
  );
  expect(emptyExercisesView().datacenters).toEqual({ known: [], dc2Workshop: null, query: null });
});
