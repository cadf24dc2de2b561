// The schemas: real answers read as the lab needs them, odd entries read as harmless defaults, and (fast-check)
// whatever JSON comes back, parsing it either succeeds or is a ConsulError: nothing else is ever thrown.
import fc from 'fast-check';
import type { z } from 'zod';
import { isHost } from './address';
import { ConsulError } from './errors';
import { parseAnswer } from './http';
import {
  aclBindingRulesSchema,
  aclLoginSchema,
  aclPoliciesSchema,
  aclTokenSchema,
  aclTokensSchema,
  agentChecksSchema,
  agentSelfSchema,
  agentServicesSchema,
  catalogNodesSchema,
  checksSchema,
  healthEntriesSchema,
  keyringSchema,
  leaderSchema,
  listOrEmpty,
  membersSchema,
  raftConfigurationSchema,
  reachableHealthEntriesSchema,
  reachableHealthEntrySchema,
  serfStatus,
  tokenListEntrySchema,
  registratorLastDieSchema,
} from './schemas';

test('members: Serf status codes (and their words), role tags; extra fields dropped, odd entries read as defaults', () => {
  const raw = [
    { Name: 'consul-server-1', Addr: '10.0.0.11', Port: 8301, Tags: { role: 'consul', port: '8300' }, Status: 1, DelegateMin: 2 },
    { Name: 5, Tags: null, Status: 9 },
    'junk',
  ];
  expect(membersSchema.parse(raw)).toEqual([
    { Name: 'consul-server-1', Addr: '10.0.0.11', Tags: { role: 'consul', port: '8300' }, Status: 1 },
    { Name: '', Addr: '', Tags: {}, Status: 9 },
    { Name: '', Addr: '', Tags: {}, Status: 0 },
  ]);
  expect([1, 4, 9, 0].map(serfStatus)).toEqual(['alive', 'failed', 'none', 'none']);
  expect(membersSchema.safeParse({ not: 'a list' }).success).toBe(false);
});

test("a health entry: instance, node, checks; an empty service Address stays empty (the node's then)", () => {
  const [e] = healthEntriesSchema.parse([
    {
      Node: { Node: 'host-a', Address: '10.0.0.21', Meta: {} },
      Service: { ID: 'w1', Service: 'workshop', Address: '', Port: 8081, Tags: ['v1', 3], Meta: { host: 'host-a', n: 1 } },
      Checks: [{ Node: 'host-a', CheckID: 'serfHealth', Name: 'Serf', Status: 'passing', ServiceID: '' }],
    },
  ]);
  expect(e).toEqual({
    Node: { Node: 'host-a', Address: '10.0.0.21' },
    Service: { ID: 'w1', Service: 'workshop', Address: '', Port: 8081, Tags: ['v1', ''], Meta: { host: 'host-a' } },
    Checks: [{ Node: 'host-a', CheckID: 'serfHealth', Name: 'Serf', Status: 'passing', ServiceID: '', ServiceName: '' }],
  });
  expect(healthEntriesSchema.parse([{ Service: { Port: 'x' } }])[0]!.Service.Port).toBe(0);
  // A key "__proto__" (JSON.parse makes it an own key) stays a key.
  const meta = healthEntriesSchema.parse(JSON.parse('[{"Service":{"Meta":{"__proto__":"x"}}}]'))[0]!.Service.Meta;
  expect(Object.keys(meta)).toEqual(['__proto__']);
  expect(Object.getPrototypeOf(meta)).toBe(Object.prototype);
});

test('a reachable health entry: a port to dial is 1-65535, a host an IP or a DNS name; anything else undefined', () => {
  const read = (Service: unknown, Node: unknown = { Address: '10.0.0.21' }) => reachableHealthEntrySchema.parse({ Node, Service });
  const ok = read({ ID: 'd1', Address: '10.0.0.9', Port: 4000, Tags: ['v1'] });
  expect(ok.Service).toEqual({ ID: 'd1', Service: '', Address: '10.0.0.9', Port: 4000, Tags: ['v1'], Meta: {} });
  expect(ok.Node).toEqual({ Node: '', Address: '10.0.0.21' });
  expect(read({ Address: 'demo-server_1.lab', Port: 65535 }).Service).toMatchObject({ Address: 'demo-server_1.lab', Port: 65535 });
  expect(read({ Address: 'fd00::7', Port: 1 }).Service).toMatchObject({ Address: 'fd00::7', Port: 1 });
  // No address given (absent or ""): "" = the node's, as in the lenient schema.
  expect(read({ Port: 4000 }).Service.Address).toBe('');
  expect(read({ Address: '', Port: 4000 }).Service.Address).toBe('');
  for (const Port of [0, -1, 65536, 4000.5, '4000', NaN, null, undefined]) expect(read({ Port }).Service.Port).toBeUndefined();
  for (const Address of ['evil\u001b[2J', 'a b', 'host/path', 'x:1', 7, {}, null])
    expect(read({ Address }).Service.Address).toBeUndefined();
  expect(read({}, { Address: 'not a host' }).Node.Address).toBeUndefined();
  // The lenient schema, which others rely on, is unchanged: any finite number is its port.
  expect(healthEntriesSchema.parse([{ Service: { Port: 70000.5 } }])[0]!.Service.Port).toBe(70000.5);
  expect(reachableHealthEntriesSchema.safeParse({ not: 'a list' }).success).toBe(false);
});

test('a reachable entry never yields a port outside 1-65535 nor an address that is not a host', () => {
  const anything = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.integer(), fc.double(), fc.string(), fc.domain(), fc.ipV4(), fc.ipV6());
  fc.assert(
    fc.property(anything, anything, anything, (Port, Address, NodeAddress) => {
      const e = reachableHealthEntrySchema.parse({ Node: { Address: NodeAddress }, Service: { Port, Address } });
      const port = e.Service.Port;
      expect(port === undefined || (Number.isInteger(port) && port >= 1 && port <= 65535)).toBe(true);
      for (const a of [e.Service.Address, e.Node.Address]) expect(a === undefined || a === '' || isHost(a)).toBe(true);
      // A valid value comes through as it was.
      if (typeof Port === 'number' && Number.isInteger(Port) && Port >= 1 && Port <= 65535) expect(port).toBe(Port);
      if (typeof Address === 'string' && isHost(Address)) expect(e.Service.Address).toBe(Address);
    }),
  );
});

test("the agent's own services and checks, by ID: an entry's Port a number or undefined; not an object refused", () => {
  const services = agentServicesSchema.parse(
    JSON.parse(
      '{"w1":{"ID":"w1","Service":"workshop","Address":"10.0.0.7","Port":3001,"Weights":{},"Meta":{"registered-by":"registrator","n":1}},"w2":{"Port":"3001"},"w3":7,"__proto__":{}}',
    ),
  );
  // Meta: the string values only (the registrator reads who registered a service from it).
  expect(services.w1).toEqual({ ID: 'w1', Service: 'workshop', Address: '10.0.0.7', Meta: { 'registered-by': 'registrator' }, Port: 3001 });
  expect(services.w2).toEqual({ ID: '', Service: '', Address: '', Meta: {}, Port: undefined });
  expect(services.w3).toEqual({ ID: '', Service: '', Address: '', Meta: {}, Port: undefined });
  expect(Object.keys(services)).toEqual(['w1', 'w2', 'w3', '__proto__']);
  expect(Object.getPrototypeOf(services)).toBe(Object.prototype);
  for (const v of [[], null, 'x', 5]) expect(agentServicesSchema.safeParse(v).success).toBe(false);
  expect(Object.keys(agentChecksSchema.parse({ 'workshop-node-check': { CheckID: 'workshop-node-check', Status: 'passing' } }))).toEqual([
    'workshop-node-check',
  ]);
  expect(agentChecksSchema.safeParse([]).success).toBe(false);
});

test('raft, leader, agent self, catalog nodes, checks, keyring', () => {
  expect(
    raftConfigurationSchema.parse({
      Servers: [
        { ID: 'a', Node: 's1', Voter: true },
        { Node: 's2', Voter: 'yes' },
      ],
    }),
  ).toEqual({
    Servers: [
      { ID: 'a', Node: 's1', Address: '', Voter: true },
      { ID: '', Node: 's2', Address: '', Voter: false },
    ],
  });
  expect(raftConfigurationSchema.safeParse({}).success).toBe(false);
  expect(leaderSchema.parse('10.0.0.11:8300')).toBe('10.0.0.11:8300');
  expect(leaderSchema.parse(null)).toBe('');
  expect(agentSelfSchema.parse({ Config: { Version: '1.20.5' }, Member: {} }).Config.Version).toBe('1.20.5');
  expect(agentSelfSchema.parse('x').Config.Version).toBe('');
  expect(catalogNodesSchema.parse([{ Node: 'student-a', Address: '1.2.3.4' }])).toEqual([{ Node: 'student-a', Address: '1.2.3.4' }]);
  expect(checksSchema.parse([{ CheckID: 'serfHealth' }])[0]).toEqual({
    Node: '',
    CheckID: 'serfHealth',
    Name: '',
    Status: '',
    ServiceID: '',
    ServiceName: '',
  });
  expect(
    keyringSchema.parse([
      { WAN: false, Keys: { k: 3 } },
      { WAN: true, Keys: { k: 3 }, PrimaryKeys: { k: 3 } },
    ]),
  ).toEqual([
    { WAN: false, Keys: { k: 3 }, PrimaryKeys: undefined },
    { WAN: true, Keys: { k: 3 }, PrimaryKeys: { k: 3 } },
  ]);
  expect(listOrEmpty(keyringSchema, 'no')).toEqual([]);
});

test('ACL objects are typed strictly: a field the lab uses with another type refuses the answer', () => {
  const ids = {
    NodeIdentities: [{ NodeName: 'student-alice', Datacenter: 'dc1' }],
    ServiceIdentities: [{ ServiceName: 'workshop-alice' }],
  };
  const token = { AccessorID: 'a', SecretID: 's', Description: 'd', AuthMethod: 'lab-students', ...ids, Policies: null, CreateIndex: 5 };
  expect(aclTokenSchema.parse(token)).not.toHaveProperty('CreateIndex');
  expect(aclTokenSchema.safeParse({ ...token, AccessorID: 1 }).success).toBe(false);
  expect(aclTokenSchema.safeParse({ ...token, NodeIdentities: [{ NodeName: 1 }] }).success).toBe(false);
  expect(aclTokensSchema.parse([token])).toHaveLength(1);
  expect(aclLoginSchema.safeParse({ ...token, SecretID: '' }).success).toBe(false);
  expect(aclPoliciesSchema.safeParse([{ ID: 'p', Name: 'n' }]).success).toBe(true);
  expect(aclBindingRulesSchema.safeParse([{ ID: 'r', AuthMethod: 'm', BindType: 'node' }]).success).toBe(false);
  expect(tokenListEntrySchema.parse({ AccessorID: 'a', ExpirationTime: 7 })).toEqual({ AccessorID: 'a', ExpirationTime: '' });
});

const ALL: Array<[string, z.ZodType]> = Object.entries({
  membersSchema,
  healthEntriesSchema,
  reachableHealthEntriesSchema,
  checksSchema,
  catalogNodesSchema,
  raftConfigurationSchema,
  leaderSchema,
  agentSelfSchema,
  agentServicesSchema,
  agentChecksSchema,
  keyringSchema,
  aclTokenSchema,
  aclTokensSchema,
  aclLoginSchema,
  aclPoliciesSchema,
  aclBindingRulesSchema,
});

test('whatever JSON Consul sends, reading it returns or throws a ConsulError, nothing else', () => {
  // Objects with the keys Consul's answers use, so the property reaches the fields and not only the top level.
  const keys = fc.constantFrom(
    'Name',
    'Addr',
    'Status',
    'Tags',
    'Node',
    'Service',
    'Checks',
    'ID',
    'Port',
    'Address',
    'Meta',
    'Servers',
    'Voter',
    'AccessorID',
    'SecretID',
    'Keys',
    'WAN',
    '__proto__',
    'constructor',
  );
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small' },
      fc.jsonValue({ maxDepth: 2 }),
      fc.array(tie('tree'), { maxLength: 3 }),
      fc.dictionary(keys, tie('tree'), { maxKeys: 4 }),
    ),
  }));
  fc.assert(
    fc.property(tree, fc.constantFrom(...ALL), (value, [, schema]) => {
      try {
        parseAnswer('GET /v1/x', { status: 200, body: JSON.stringify(value) ?? 'null' }, schema);
      } catch (err) {
        if (!(err instanceof ConsulError)) throw err;
      }
    }),
    { numRuns: 1000 },
  );
});

test('a body that is not JSON at all is a ConsulError too', () => {
  fc.assert(
    fc.property(fc.string(), (body) => {
      try {
        parseAnswer('GET /v1/x', { status: 200, body }, membersSchema);
      } catch (err) {
        expect(err).toBeInstanceOf(ConsulError);
      }
    }),
  );
});

test("the registrator's last-die record: every field typed, or no record", () => {
  const record = {
    serviceId: 'workshop-b1',
    container: '0123456789ab',
    exitCode: 137,
    eventAt: '2026-12-07T10:00:00.000Z',
    deregisteredAt: '2026-12-07T10:00:00.012Z',
    ms: 12,
  };
  expect(registratorLastDieSchema.parse(record)).toEqual(record);
  expect(registratorLastDieSchema.parse({ ...record, exitCode: null }).exitCode).toBeNull();
  expect(registratorLastDieSchema.safeParse({ ...record, ms: '12' }).success).toBe(false);
  expect(registratorLastDieSchema.safeParse({ ...record, serviceId: undefined }).success).toBe(false);
});
