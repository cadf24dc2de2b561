import fc from 'fast-check';
import { UsageError } from '../../../services/shared/errors';
import { ConsulCall, freeStudent, FreeStudentError, parseFreeName } from './freeStudent';
import { ConsulError } from '../../../services/shared/consul/errors';
import { HttpAnswer, RosterUnavailableError } from './roster';

const URL = 'http://127.0.0.1:8500';
const json = (v: unknown): HttpAnswer => ({ status: 200, body: JSON.stringify(v) });
const TOKENS = '/v1/acl/tokens?authmethod=lab-students';

const loginToken = (name: string, accessor: string): object => ({
  AccessorID: accessor,
  SecretID: 'secret-never-shown',
  Description: `token created via login: {"student":"${name}"}`,
  NodeIdentities: [{ NodeName: `student-${name}`, Datacenter: 'dc1' }],
  AuthMethod: 'lab-students',
  ExpirationTime: '2099-01-01T00:00:00Z',
});
const A1 = '6241d716-3b85-0028-4021-a64c0859c9b0';
const A2 = '0c7e7c3e-5a3f-4b8e-9d4c-0e5f3a2b1c0d';
const B1 = 'a0a0a0a0-0000-4000-8000-000000000000';

/** A fake Consul: answers by "METHOD path", records what was asked. */
function fakeConsul(over: Record<string, HttpAnswer | Error> = {}): { call: ConsulCall; asked: string[] } {
  const answers: Record<string, HttpAnswer | Error> = {
    [`GET ${TOKENS}`]: json([loginToken('alice', A1), loginToken('bob', B1), loginToken('Alice', A2)]),
    [`DELETE /v1/acl/token/${A1}`]: json(true),
    [`DELETE /v1/acl/token/${A2}`]: json(true),
    'GET /v1/agent/members': json([
      { Name: 'host-a', Addr: '192.168.1.20', Status: 1 },
      { Name: 'student-alice', Addr: '192.168.1.31', Status: 4 },
    ]),
    'PUT /v1/agent/force-leave/student-alice?prune=true': json(null),
    'PUT /v1/catalog/deregister': json(true),
    ...over,
  };
  const asked: string[] = [];
  return {
    asked,
    call: (method, path, body) => {
      asked.push(`${method} ${path}${body === undefined ? '' : ' ' + JSON.stringify(body)}`);
      const a = answers[`${method} ${path}`];
      if (a instanceof Error) return Promise.reject(a);
      return a ? Promise.resolve(a) : Promise.reject(new Error(`unexpected ${method} ${path}`));
    },
  };
}

describe('parseFreeName', () => {
  it('takes a GitHub account name (lowercased, as lab:join enrols it); anything else is a usage error', () => {
    expect(parseFreeName('Alice-2')).toBe('alice-2');
    for (const bad of ['', '-alice', 'alice-', 'al--ice', 'a'.repeat(40), 'alice/../x', 'x\u001b[2J'])
      expect(() => parseFreeName(bad)).toThrow(UsageError);
    expect(() => parseFreeName('x\u001b[2J\n')).toThrow('--free "x\\u001b[2J\\n" is not a student\'s name');
  });
});

describe('freeStudent', () => {
  it('deletes every token of the name, forces its node out, deregisters it: one line per step and a summary', async () => {
    const c = fakeConsul();
    const lines: string[] = [];
    const r = await freeStudent(URL, 'alice', c.call, (l) => lines.push(l));
    expect(c.asked).toEqual([
      `GET ${TOKENS}`,
      `DELETE /v1/acl/token/${A1}`,
      `DELETE /v1/acl/token/${A2}`, // Alice's: GitHub names are case-insensitive
      'GET /v1/agent/members',
      'PUT /v1/agent/force-leave/student-alice?prune=true',
      'PUT /v1/catalog/deregister {"Node":"student-alice"}',
    ]);
    expect(lines).toEqual([
      'deleted token 6241d716… of "alice"',
      'deleted token 0c7e7c3e… of "alice"',
      'student-alice forced out of the gossip pool and pruned from the members',
      'node student-alice deregistered from the catalog',
    ]);
    expect(r).toMatchObject({
      name: 'alice',
      node: 'student-alice',
      tokensDeleted: 2,
      members: [{ name: 'student-alice', status: 'failed' }],
    });
    expect(r.summary).toBe(
      '"alice" is free: 2 tokens deleted, student-alice forced out, its catalog node deregistered; the name can be enrolled again',
    );
    expect([...lines, r.summary].join('\n')).not.toContain('secret-never-shown');
  });

  it('a name without tokens nor member: says so, and still deregisters the node (404/500 "not found" are fine)', async () => {
    const c = fakeConsul({
      'GET /v1/agent/members': json([]),
      'PUT /v1/agent/force-leave/student-carol?prune=true': { status: 500, body: "agent: No node found with name 'student-carol'" },
    });
    const lines: string[] = [];
    const r = await freeStudent(URL, 'carol', c.call, (l) => lines.push(l));
    expect(lines).toEqual([
      'no token of "carol" to delete',
      'student-carol is not a member of the gossip pool',
      'node student-carol deregistered from the catalog',
    ]);
    expect(r.summary).toBe(
      '"carol" is free: 0 tokens deleted, student-carol was not a member, its catalog node deregistered; the name can be enrolled again',
    );
  });

  it('a token gone meanwhile (404) is fine; an agent that is alive is forced out under the name it joined with, and the summary warns', async () => {
    const c = fakeConsul({
      [`DELETE /v1/acl/token/${A2}`]: { status: 404, body: 'Cannot find token to delete' },
      'GET /v1/agent/members': json([{ Name: 'student-Alice', Addr: '192.168.1.31', Status: 1 }]),
      'PUT /v1/agent/force-leave/student-Alice?prune=true': json(null),
    });
    const lines: string[] = [];
    const r = await freeStudent(URL, 'ALICE', c.call, (l) => lines.push(l));
    expect(lines).toContain('token 0c7e7c3e… of "alice" was already gone');
    expect(lines).toContain('student-Alice forced out of the gossip pool and pruned from the members');
    expect(r.summary).toMatch(
      /^"alice" is free: 1 token deleted, student-alice forced out, .*; ⚠ its agent was alive: .*npm run lab:leave/,
    );
    expect(r.summary).not.toContain('can be enrolled again');
  });

  it('stops at the first Consul error with one line naming the step; secrets never in it', async () => {
    const denied = fakeConsul({
      [`DELETE /v1/acl/token/${A1}`]: { status: 403, body: 'Permission denied: token with AccessorID x lacks acl:write\nmore' },
    });
    const err = await freeStudent(URL, 'alice', denied.call).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FreeStudentError);
    expect((err as Error).message).toBe(
      `Consul at ${URL} answered 403 to DELETE /v1/acl/token/${A1}: "Permission denied: token with AccessorID x lacks acl:write"`,
    );
    expect(denied.asked).toHaveLength(2);

    const badLeave = fakeConsul({ 'PUT /v1/agent/force-leave/student-alice?prune=true': { status: 403, body: 'Permission denied' } });
    expect(await freeStudent(URL, 'alice', badLeave.call).catch((e: unknown) => (e as Error).message)).toMatch(
      /answered 403 to PUT \/v1\/agent\/force-leave\/student-alice\?prune=true: "Permission denied"$/,
    );
    const badDereg = fakeConsul({ 'PUT /v1/catalog/deregister': { status: 500, body: 'No cluster leader' } });
    expect(await freeStudent(URL, 'alice', badDereg.call).catch((e: unknown) => (e as Error).message)).toMatch(
      /answered 500 to PUT \/v1\/catalog\/deregister: "No cluster leader"$/,
    );
  });

  it("ACLs off, a refused token, Consul down: the roster's one-line errors; a bad name never reaches Consul", async () => {
    const off = await freeStudent(
      URL,
      'alice',
      fakeConsul({ [`GET ${TOKENS}`]: { status: 401, body: 'ACL support disabled' } }).call,
    ).catch((e: unknown) => e);
    expect(off).toBeInstanceOf(RosterUnavailableError);
    expect((off as Error).message).toMatch(/not in classroom mode/);
    const down = await freeStudent(URL, 'alice', fakeConsul({ [`GET ${TOKENS}`]: new Error('fetch failed\n  at x') }).call).catch(
      (e: unknown) => e,
    );
    expect(down).toBeInstanceOf(ConsulError);
    expect((down as Error).message).toBe(`Consul at ${URL} is not reachable (fetch failed): is the lab up? (npm run lab:status)`);
    const c = fakeConsul();
    await expect(freeStudent(URL, '../x', c.call)).rejects.toThrow(UsageError);
    expect(c.asked).toEqual([]);
  });

  it('property: whatever Consul lists, only tokens of that name are deleted and every line is one safe line', async () => {
    // eslint-disable-next-line no-control-regex -- the property is about control characters
    const NEVER_RAW = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/;
    const anyText = fc.string({
      unit: fc.oneof(fc.constantFrom('\u001b[2J', '\u009b', '\u202e', '\n', 'alice', '"'), fc.string({ unit: 'binary', maxLength: 1 })),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(anyText, fc.uuid()), { maxLength: 6 }),
        fc.array(fc.tuple(anyText, fc.integer({ min: 0, max: 5 })), { maxLength: 4 }),
        async (tokens, members) => {
          const list = tokens.map(([n, acc]) => loginToken(n, acc));
          const answers: Record<string, HttpAnswer> = {
            [`GET ${TOKENS}`]: json(list),
            'GET /v1/agent/members': json(members.map(([Name, Status]) => ({ Name: `student-${Name}`, Status }))),
          };
          for (const [, acc] of tokens) answers[`DELETE /v1/acl/token/${acc}`] = json(true);
          for (const [n] of members) answers[`PUT /v1/agent/force-leave/${encodeURIComponent(`student-${n}`)}?prune=true`] = json(null);
          answers['PUT /v1/agent/force-leave/student-alice?prune=true'] = { status: 500, body: 'No node found' };
          const c = fakeConsul(answers);
          const lines: string[] = [];
          const r = await freeStudent(URL, 'alice', c.call, (l) => lines.push(l));
          const want = tokens.filter(([n]) => n.toLowerCase() === 'alice').map(([, acc]) => `DELETE /v1/acl/token/${acc}`);
          expect(c.asked.filter((a) => a.startsWith('DELETE'))).toEqual(want);
          for (const l of [...lines, r.summary]) expect(l).not.toMatch(NEVER_RAW);
        },
      ),
      { numRuns: 60 },
    );
  }, 30_000); // ~1 s alone; a loaded 2-core machine may take many times that
});
