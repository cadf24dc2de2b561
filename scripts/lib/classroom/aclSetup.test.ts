import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setUpClassroomAcls } from './aclSetup';

/** A fake ACL API: answers 500 for the first `notReady` policy lists, records writes. */
async function fakeConsul(notReady: number, policies: Array<{ ID: string; Name: string; Rules: string }> = []) {
  const writes: string[] = [];
  const tokens: string[] = [];
  let anonPolicies: Array<{ ID: string; Name: string }> = [];
  const server = http.createServer((req, res) => {
    tokens.push(String(req.headers['x-consul-token']));
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const send = (status: number, v: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(v));
      };
      const url = req.url ?? '';
      if (req.method === 'GET' && url === '/v1/acl/policies') {
        if (notReady-- > 0) return send(500, 'ACL system must be bootstrapped');
        return send(200, policies);
      }
      if (req.method === 'GET' && url.startsWith('/v1/acl/policy/'))
        return send(
          200,
          policies.find((p) => url.endsWith(p.ID)),
        );
      if (req.method === 'GET' && url.startsWith('/v1/acl/token/'))
        return send(200, { AccessorID: 'x', Description: 'Anonymous Token', Policies: anonPolicies });
      writes.push(`${req.method} ${url} ${body}`);
      if (url.startsWith('/v1/acl/token/'))
        anonPolicies = (JSON.parse(body) as { Policies: Array<{ Name: string }> }).Policies.map((p) => ({ ID: p.Name, Name: p.Name }));
      return send(200, {});
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, writes, tokens, close: () => server.close() };
}

describe('setUpClassroomAcls', () => {
  it('waits for the ACL system, creates the anonymous-read policy (no lab-student: tokens carry identities), attaches it, with the management token', async () => {
    const c = await fakeConsul(2);
    try {
      const said: string[] = [];
      const changed = await setUpClassroomAcls({ consulUrl: c.url, managementToken: 'mgmt', say: (l) => said.push(l) });
      expect(changed).toEqual(['policy lab-anonymous-read created', 'anonymous token: lab-anonymous-read attached']);
      expect(said).toEqual(changed);
      expect(c.writes[0]).toMatch(/^PUT \/v1\/acl\/policy .*lab-anonymous-read/);
      expect(c.writes).toHaveLength(2);
      expect(c.writes[1]).toMatch(/^PUT \/v1\/acl\/token\/00000000-0000-0000-0000-000000000002 /);
      expect(new Set(c.tokens)).toEqual(new Set(['mgmt']));
    } finally {
      c.close();
    }
  }, 10_000);

  it('puts back edited rules, and leaves a lab-student policy from an earlier version alone', async () => {
    const c = await fakeConsul(0, [
      { ID: 'p1', Name: 'lab-anonymous-read', Rules: 'node_prefix "" { policy = "write" }' },
      {
        ID: 'p2',
        Name: 'lab-student',
        Rules: 'service "workshop" { policy = "write" }\nservice_prefix "" { policy = "read" }\nnode_prefix "" { policy = "read" }\n',
      },
    ]);
    try {
      const changed = await setUpClassroomAcls({ consulUrl: c.url, managementToken: 'mgmt' });
      expect(changed).toEqual(['policy lab-anonymous-read rules put back', 'anonymous token: lab-anonymous-read attached']);
    } finally {
      c.close();
    }
  });

  it('gives up with one line when the ACL system never answers', async () => {
    const c = await fakeConsul(1000);
    try {
      await expect(setUpClassroomAcls({ consulUrl: c.url, managementToken: 'mgmt', timeoutMs: 500 })).rejects.toThrow(
        /^the ACL system did not answer: GET \/v1\/acl\/policies: HTTP 500/,
      );
    } finally {
      c.close();
    }
  }, 10_000);
});
