import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConsulTarget } from '../../../services/shared/consul/http';
import { repoRoot } from '../docker/compose';
import { PREPARED_QUERY_FILE } from './benchLab';
import { deletePreparedQuery, preparedQueryFileSchema, putPreparedQuery } from './preparedQuery';

/** Consul's /v1/query as a map of ID → query: POST creates, PUT /<id> replaces, DELETE /<id> removes (empty bodies). */
function fakeConsul() {
  const queries = new Map<string, Record<string, unknown>>();
  const calls: string[] = [];
  let next = 1;
  const fetch = (async (url: string | URL, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    const p = new URL(String(url)).pathname;
    calls.push(`${method} ${p}`);
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : undefined;
    const id = p.split('/')[3];
    if (method === 'GET' && p === '/v1/query') return new Response(JSON.stringify([...queries].map(([ID, q]) => ({ ...q, ID }))));
    if (method === 'POST' && p === '/v1/query') {
      const ID = `id-${next++}`;
      queries.set(ID, body!);
      return new Response(JSON.stringify({ ID }));
    }
    if (id && queries.has(id) && method === 'PUT') return (void queries.set(id, body!), new Response(''));
    if (id && queries.has(id) && method === 'DELETE') return (void queries.delete(id), new Response(''));
    return new Response('Query not found', { status: 404 });
  }) as typeof globalThis.fetch;
  const target: ConsulTarget = { baseUrl: 'http://127.0.0.1:19500', fetch };
  return { target, queries, calls };
}

const query = preparedQueryFileSchema.parse(JSON.parse(readFileSync(path.join(repoRoot(), PREPARED_QUERY_FILE), 'utf8')));

test("the README's query file: workshop-nearest, passing workshop instances, failing over to dc2", () => {
  expect(query).toMatchObject({
    Name: 'workshop-nearest',
    Service: { Service: 'workshop', OnlyPassing: true, Failover: { Datacenters: ['dc2'] } },
  });
});

test('created once, then put over by name: running it twice leaves one query', async () => {
  const c = fakeConsul();
  const id = await putPreparedQuery(c.target, query);
  expect(await putPreparedQuery(c.target, { ...query, DNS: { TTL: '1s' } })).toBe(id);
  expect(c.calls).toEqual(['GET /v1/query', 'POST /v1/query', 'GET /v1/query', `PUT /v1/query/${id}`]);
  expect([...c.queries.values()]).toEqual([{ ...query, DNS: { TTL: '1s' } }]);
});

test('deleted by name; nothing to delete is no error; a refused write is one with its status', async () => {
  const c = fakeConsul();
  c.queries.set('other', { Name: 'someone-elses' });
  await putPreparedQuery(c.target, query);
  await deletePreparedQuery(c.target);
  await deletePreparedQuery(c.target);
  expect([...c.queries.keys()]).toEqual(['other']);
  const refusing: ConsulTarget = {
    ...c.target,
    fetch: (async (_url: string | URL, init?: RequestInit) =>
      (init?.method ?? 'GET') === 'GET'
        ? new Response(JSON.stringify([{ ID: 'q1', Name: 'workshop-nearest' }]))
        : new Response('Permission denied', { status: 403 })) as typeof globalThis.fetch,
  };
  await expect(deletePreparedQuery(refusing)).rejects.toThrow('DELETE /v1/query/<id>: HTTP 403: Permission denied');
});
