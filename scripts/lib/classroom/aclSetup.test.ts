import { generateKeyPairSync, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { STUDENT_BINDING_RULES } from '../../../services/enrollment/names';
import { goDurationMs, jwtPublicKeyPem, setUpClassroomAcls, type AclSetupOptions } from './aclSetup';
import { newPresetTokenIds, PRESET_TOKEN_KEYS } from './classroomTokens';

type Obj = Record<string, unknown>;

/**
 * A fake of Consul's ACL API, in memory, as far as the set-up uses it: answers 500 for the first `notReady` policy
 * lists; records every write and every token header it saw.
 */
async function fakeConsul(notReady = 0, opts: { tokensDenied?: boolean } = {}) {
  const writes: string[] = [];
  const tokensSeen = new Set<string>();
  const policies = new Map<string, Obj>();
  const tokens = new Map<string, Obj>([
    [
      '00000000-0000-0000-0000-000000000002',
      { AccessorID: '00000000-0000-0000-0000-000000000002', Description: 'Anonymous Token', Policies: [] },
    ],
  ]);
  const methods = new Map<string, Obj>();
  const rules = new Map<string, Obj>();
  const server = http.createServer((req, res) => {
    tokensSeen.add(String(req.headers['x-consul-token']));
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const send = (status: number, v: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(v));
      };
      const body = (text ? JSON.parse(text) : {}) as Obj;
      const url = new URL(req.url ?? '', 'http://x');
      const [, , , kind, id] = url.pathname.split('/'); // /v1/acl/<kind>/<id>
      const m = req.method ?? '';
      if (m !== 'GET') writes.push(`${m} ${url.pathname}`);
      const found = (map: Map<string, Obj>) => (id && map.has(id) ? send(200, map.get(id)) : send(404, 'not found'));
      const del = (map: Map<string, Obj>) => (map.delete(id!), send(200, true));
      switch (`${m} ${kind}${id ? '/:id' : ''}`) {
        case 'GET policies':
          if (notReady-- > 0) return send(500, 'ACL system must be bootstrapped');
          return send(200, [...policies.values()]);
        case 'GET policy/:id':
          return found(policies);
        case 'PUT policy': {
          const p = { ...body, ID: randomUUID() };
          policies.set(p.ID, p);
          return send(200, p);
        }
        case 'PUT policy/:id':
          policies.set(id!, { ...body, ID: id });
          return send(200, body);
        case 'GET token/:id':
          if (opts.tokensDenied && id !== '00000000-0000-0000-0000-000000000002') return send(403, 'ACL not found');
          // As Consul 1.20 answers for a token that does not exist.
          return id && tokens.has(id) ? send(200, tokens.get(id)) : send(403, 'token does not exist: ACL not found');
        case 'PUT token': {
          const t = { ...body, AccessorID: body.AccessorID ?? randomUUID(), SecretID: body.SecretID ?? randomUUID() };
          if (tokens.has(t.AccessorID as string)) return send(500, 'AccessorID is already in use');
          tokens.set(t.AccessorID as string, t);
          return send(200, t);
        }
        case 'PUT token/:id': {
          const old = tokens.get(id!)!;
          if (body.SecretID && body.SecretID !== old.SecretID) return send(400, 'Cannot change SecretID');
          tokens.set(id!, { ...body, AccessorID: id, SecretID: old.SecretID });
          return send(200, body);
        }
        case 'DELETE token/:id':
          return del(tokens);
        case 'GET auth-method/:id':
          return found(methods);
        case 'PUT auth-method':
          methods.set(body.Name as string, body);
          return send(200, body);
        case 'PUT auth-method/:id':
          methods.set(id!, body);
          return send(200, body);
        case 'GET binding-rules':
          return send(
            200,
            [...rules.values()].filter((r) => r.AuthMethod === url.searchParams.get('authmethod')),
          );
        case 'PUT binding-rule': {
          const r = { ...body, ID: randomUUID() };
          rules.set(r.ID, r);
          return send(200, r);
        }
        case 'PUT binding-rule/:id':
          rules.set(id!, { ...body, ID: id });
          return send(200, body);
        case 'DELETE binding-rule/:id':
          return del(rules);
        default:
          return send(404, `no fake for ${m} ${url.pathname}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    writes,
    tokensSeen,
    policies,
    tokens,
    methods,
    rules,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const JWT_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const IDS = newPresetTokenIds();

/** The lines of a first run on an empty Consul, in order. */
const FIRST_RUN = [
  'policy lab-anonymous-read created',
  'policy lab-enrollment created',
  'anonymous token: lab-anonymous-read attached',
  ...PRESET_TOKEN_KEYS.map((k) => `token ${k} created`),
  'auth method lab-students created',
  'binding rule node student-${value.name} created',
  'binding rule service workshop-${value.name} created',
];

describe('setUpClassroomAcls', () => {
  let c: Awaited<ReturnType<typeof fakeConsul>>;
  let opts: AclSetupOptions;
  afterEach(async () => c?.close());
  const setUp = async (notReady = 0, tokensDenied = false) => {
    c = await fakeConsul(notReady, { tokensDenied });
    opts = { consulUrl: c.url, managementToken: 'mgmt', presetTokenIds: IDS, enrollmentJwtKey: JWT_KEY, datacenter: 'dc1' };
  };

  it('waits for the ACL system, then creates everything with the management token; a second run changes nothing', async () => {
    await setUp(2);
    const said: string[] = [];
    const changed = await setUpClassroomAcls({ ...opts, say: (l) => said.push(l) });
    expect(changed).toEqual(FIRST_RUN);
    expect(said).toEqual(changed);
    expect(c.tokensSeen).toEqual(new Set(['mgmt']));
    // No line says a secret.
    const all = changed.join('\n');
    for (const k of PRESET_TOKEN_KEYS) expect(all).not.toContain(IDS[k].secretId);
    expect(all).not.toContain('PRIVATE KEY');

    // Each preset token with exactly its IDs; the auth method trusts the public half of the JWT key; the lab's rules.
    for (const k of PRESET_TOKEN_KEYS)
      expect(c.tokens.get(IDS[k].accessorId)).toMatchObject({ SecretID: IDS[k].secretId, Description: `lab classroom ${k}` });
    expect(c.tokens.get(IDS.enrollment.accessorId)!.Policies).toEqual([{ Name: 'lab-enrollment' }]);
    expect(c.tokens.get(IDS['agent-host-a'].accessorId)!.NodeIdentities).toEqual([{ NodeName: 'host-a', Datacenter: 'dc1' }]);
    const method = c.methods.get('lab-students')!;
    expect(method).toMatchObject({ Type: 'jwt', MaxTokenTTL: '12h', Config: { JWTValidationPubKeys: [jwtPublicKeyPem(JWT_KEY)] } });
    expect(JSON.stringify(method)).not.toContain('PRIVATE');
    expect([...c.rules.values()].map((r) => [r.BindType, r.BindName])).toEqual(STUDENT_BINDING_RULES.map((r) => [r.BindType, r.BindName]));

    const writes = c.writes.length;
    expect(await setUpClassroomAcls(opts)).toEqual([]);
    expect(c.writes.length).toBe(writes);
  }, 15_000);

  it('puts back what differs: rules, a token (or makes it again when its secret differs), the key, the binding rules', async () => {
    await setUp();
    await setUpClassroomAcls(opts);
    const anonPolicy = [...c.policies.values()].find((p) => p.Name === 'lab-anonymous-read')!;
    anonPolicy.Rules = 'node_prefix "" { policy = "write" }';
    c.tokens.get(IDS.enrollment.accessorId)!.Policies = [{ ID: 'x', Name: 'global-management' }];
    c.tokens.get(IDS['agent-host-b'].accessorId)!.SecretID = randomUUID();
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    (c.methods.get('lab-students')!.Config as Obj).JWTValidationPubKeys = [jwtPublicKeyPem(other)];
    const [nodeRule] = [...c.rules.values()];
    nodeRule!.BindName = 'consul-server-1';
    c.rules.set('extra', { ID: 'extra', AuthMethod: 'lab-students', BindType: 'policy', BindName: 'global-management' });

    expect(await setUpClassroomAcls(opts)).toEqual([
      'policy lab-anonymous-read rules put back',
      'token agent-host-b made again',
      'token enrollment put back',
      'auth method lab-students put back',
      'binding rule node student-${value.name} put back',
      "binding rule policy global-management removed (not the lab's)",
    ]);
    expect(c.tokens.get(IDS['agent-host-b'].accessorId)!.SecretID).toBe(IDS['agent-host-b'].secretId);
    expect(c.tokens.get(IDS.enrollment.accessorId)!.Policies).toEqual([{ Name: 'lab-enrollment' }]);
    expect(c.rules.has('extra')).toBe(false);
    expect(await setUpClassroomAcls(opts)).toEqual([]);
  });

  it('an auth method with extra config (another key source, a leeway) is put back', async () => {
    await setUp();
    await setUpClassroomAcls(opts);
    (c.methods.get('lab-students')!.Config as Obj).JWKSURL = 'https://evil.example/keys';
    expect(await setUpClassroomAcls(opts)).toEqual(['auth method lab-students put back']);
    expect(c.methods.get('lab-students')!.Config).not.toHaveProperty('JWKSURL');
  });

  it('leaves a lab-student policy from an earlier version alone', async () => {
    await setUp();
    c.policies.set('p2', { ID: 'p2', Name: 'lab-student', Rules: 'service "workshop" { policy = "write" }\n' });
    expect(await setUpClassroomAcls(opts)).toEqual(FIRST_RUN);
    expect(c.policies.get('p2')!.Rules).toBe('service "workshop" { policy = "write" }\n');
  });

  it('gives up with one line when the ACL system never answers', async () => {
    await setUp(1000);
    await expect(setUpClassroomAcls({ ...opts, timeoutMs: 500 })).rejects.toThrow(
      /^the ACL system did not answer: GET \/v1\/acl\/policies: HTTP 500/,
    );
  }, 10_000);

  it('a 403 that is not "does not exist" stays an error (nothing is created over it)', async () => {
    await setUp(0, true);
    await expect(setUpClassroomAcls(opts)).rejects.toThrow(
      new RegExp(`^GET /v1/acl/token/${IDS['agent-consul-server-1'].accessorId}: HTTP 403 \\(.*ACL not found.*\\)$`),
    );
    // The anonymous token's policy only: no preset token was created over the refusal.
    expect(c.writes.filter((w) => w.startsWith('PUT /v1/acl/token'))).toEqual(['PUT /v1/acl/token/00000000-0000-0000-0000-000000000002']);
  });

  it('a JWT key that is no key: one line, never quoting it', async () => {
    await setUp();
    await expect(setUpClassroomAcls({ ...opts, enrollmentJwtKey: 'not-a-key-xyz' })).rejects.toThrow(
      /^the enrollment JWT key \(secrets.json enrollmentJwtKey\) is not a readable private key$/,
    );
  });
});

test("goDurationMs reads Consul's durations and ours", () => {
  expect(goDurationMs('12h')).toBe(12 * 3_600_000);
  expect(goDurationMs('12h0m0s')).toBe(12 * 3_600_000);
  expect(goDurationMs('1m30s')).toBe(90_000);
  expect(goDurationMs('1.5s')).toBe(1500);
  expect(goDurationMs('250ms')).toBe(250);
  expect(goDurationMs('')).toBe(0);
  expect(goDurationMs('soon')).toBeNaN();
});
