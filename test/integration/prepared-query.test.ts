/**
 * Exercise 8's prepared query (consul/queries/workshop-nearest.json) on the pinned Consul: it is accepted as the
 * README creates it (POST /v1/query), answers the local datacenter's passing workshop instances over HTTP and DNS
 * (workshop-nearest.query.consul), and leaves out a critical one. Failing over to dc2 needs a second datacenter: the
 * lab's e2e test does that on the Compose lab.
 */
import { readFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import path from 'node:path';
import { useConsulDev } from '../harness/consulFixture';
import { REPO_ROOT } from '../harness/paths';
import { waitFor } from '../harness/waitFor';

const consul = useConsulDev();

async function call(method: string, p: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${consul().httpUrl}${p}`, {
    method,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  return { status: res.status, json: res.ok && text ? (JSON.parse(text) as unknown) : text };
}

test('workshop-nearest: created from its file, answers the passing instances here, by HTTP and DNS', async () => {
  const file = readFileSync(path.join(REPO_ROOT, 'consul', 'queries', 'workshop-nearest.json'), 'utf8');
  const created = await call('POST', '/v1/query', file);
  expect(created.status).toBe(200);
  for (const [id, status] of [
    ['workshop-api-a1', 'passing'],
    ['workshop-api-a2', 'critical'],
  ] as const) {
    const reg = await call('PUT', '/v1/agent/service/register', {
      Name: 'workshop',
      ID: id,
      Port: 8081,
      Check: { CheckID: `service:${id}`, TTL: '10m', Status: status },
    });
    expect(reg.status).toBe(200);
  }
  const answer = await waitFor(
    async () => {
      const r = (await call('GET', '/v1/query/workshop-nearest/execute')).json as {
        Datacenter: string;
        Failovers: number;
        Nodes: Array<{ Service: { ID: string } }>;
      };
      return r.Nodes.length === 1 && r;
    },
    { timeoutMs: 10_000, what: 'workshop-nearest answering one instance' },
  );
  expect(answer).toMatchObject({ Datacenter: 'dc1', Failovers: 0 });
  expect(answer.Nodes.map((n) => n.Service.ID)).toEqual(['workshop-api-a1']);
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([consul().dnsAddr]);
  const srv = await resolver.resolveSrv('workshop-nearest.query.consul');
  expect(srv.map((s) => s.port)).toEqual([8081]);
  // An unknown query is a 404, which lab:check reads as "none yet".
  expect((await call('GET', '/v1/query/no-such-query/execute')).status).toBe(404);
}, 60_000);
