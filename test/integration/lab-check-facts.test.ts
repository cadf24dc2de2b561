// lab:check's facts from a REAL Consul agent (dev mode, node "host-b"): the four workshop instances registered
// through it with TTL checks, a node-level workshop check added and failed, TTLs flipped; a tiny HTTP server
// stands in for Nginx and renders its page from Consul's passing set, as consul-template does.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkExercise, ExerciseResult, gatherFacts, LAB_WORKSHOP_INSTANCES, passed } from '../../services/exercises';
import { consulGet } from '../harness/consul';
import { useConsulDev } from '../harness/consulFixture';
import { freePort } from '../harness/ports';
import { waitFor } from '../harness/waitFor';

const consul = useConsulDev({ name: 'host-b' });
let nginx: http.Server;
let nginxUrl: string;
/** Tiles the stand-in leaves out although Consul passes them (a page that lags behind). */
const hideFromPage = new Set<string>();

async function put(path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${consul().httpUrl}${path}`, {
    method: 'PUT',
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(3000),
  });
  if (!res.ok) throw new Error(`PUT ${path}: HTTP ${res.status} ${await res.text()}`);
}

async function passingWorkshop(): Promise<string[]> {
  const entries = await consulGet<Array<{ Service: { ID: string } }>>(consul(), '/v1/health/service/workshop?passing');
  return entries.map((e) => e.Service.ID).sort();
}

beforeAll(async () => {
  // The Nginx stand-in: the page and /api/ from Consul's passing set (as consul-template renders them).
  nginx = http.createServer((req, res) => {
    void (async () => {
      const passing = (await passingWorkshop()).filter((id) => !hideFromPage.has(id));
      const url = req.url ?? '/';
      if (url === '/') {
        res.writeHead(passing.length ? 200 : 503, { 'content-type': 'text/html' });
        res.end(
          `<ul class="tiles">${passing.map((id) => `<li class="tile" data-id="${id}"><img src="/avatars/${id}"></li>`).join('\n')}</ul>`,
        );
      } else if (url === '/api/') {
        res.writeHead(passing.length ? 200 : 503).end();
      } else if (url.startsWith('/avatars/')) {
        res.writeHead(passing.includes(decodeURIComponent(url.slice('/avatars/'.length))) ? 200 : 404).end();
      } else res.writeHead(404).end();
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => nginx.listen(0, '127.0.0.1', resolve));
  nginxUrl = `http://127.0.0.1:${(nginx.address() as AddressInfo).port}`;

  // The four instances, each with its TTL check inside its service definition (ServiceID = its ID).
  for (const [i, w] of LAB_WORKSHOP_INSTANCES.entries()) {
    await put('/v1/agent/service/register', {
      ID: w.id,
      Name: 'workshop',
      Address: '127.0.0.1',
      Port: 18081 + i,
      Meta: { name: w.name, host: w.host },
      Check: { CheckID: `service:${w.id}`, Name: `${w.id} /health`, TTL: '10m' },
    });
    await put(`/v1/agent/check/pass/${encodeURIComponent(`service:${w.id}`)}`);
  }
  await put('/v1/agent/service/register', {
    ID: 'consul-demo-host-b-7-971e-1',
    Name: 'consul-demo',
    Port: 37433,
    Check: { CheckID: 'service:consul-demo-host-b-7-971e-1', TTL: '10m', Status: 'passing' },
  });
  await waitFor(async () => (await passingWorkshop()).length === 4 || undefined, { timeoutMs: 10_000, what: 'four passing instances' });
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (nginx ? nginx.close(() => resolve()) : resolve()));
}, 30_000);

const demo = Array.from({ length: 20 }, (_, i) => ({ at: i, ok: true, attempts: 1, discovery: i % 2 ? 'dns' : 'http' }));

async function check(id: string): Promise<ExerciseResult> {
  const facts = await gatherFacts({ consulUrl: consul().httpUrl, nginxUrl, demoRequests: async () => demo, demoResampleMs: 0 });
  return checkExercise(id, facts);
}

function failing(r: ExerciseResult): string[] {
  return r.checks.filter((c) => !c.ok).map((c) => `${c.label} — ${c.hint}`);
}

test('the facts from a real agent: raft, members, serfHealth, instances with their checks', async () => {
  const facts = await gatherFacts({ consulUrl: consul().httpUrl, nginxUrl, demoRequests: async () => demo, demoResampleMs: 0 });
  expect(facts.raft.ok && facts.raft.value.leader).toMatch(/:\d+$/);
  expect(facts.raft.ok && facts.raft.value.voters).toEqual(['host-b']);
  expect(facts.members.ok && facts.members.value).toEqual([expect.objectContaining({ name: 'host-b', role: 'server', status: 'alive' })]);
  expect(facts.nodeChecks.ok && facts.nodeChecks.value).toEqual([
    expect.objectContaining({ node: 'host-b', checkId: 'serfHealth', status: 'passing' }),
  ]);
  const a1 = facts.workshop.ok ? facts.workshop.value.find((i) => i.id === 'workshop-api-a1') : undefined;
  expect(a1).toMatchObject({ service: 'workshop', node: 'host-b', port: 18081, meta: { name: 'api-a1', host: 'host-a' }, passing: true });
  expect(a1!.checks.map((c) => [c.checkId, c.serviceId]).sort()).toEqual([
    ['serfHealth', ''],
    ['service:workshop-api-a1', 'workshop-api-a1'],
  ]);
  expect(facts.demoServersPassing).toEqual({ ok: true, value: ['consul-demo-host-b-7-971e'] });
  expect(facts.page.ok && facts.page.value.tiles).toHaveLength(4);
  expect(facts.avatars.ok && Object.values(facts.avatars.value)).toEqual(Array(4).fill({ ok: true, value: 200 }));
});

test('exercise 2 passes, fails once a node-level workshop check exists, passes again when it is gone', async () => {
  expect(failing(await check('2'))).toEqual([]);
  expect(failing(await check('3'))).toEqual([]);

  await put('/v1/agent/check/register', {
    ID: 'workshop-api-b1-node-check',
    Name: 'workshop-api-b1 /health (node-level)',
    TTL: '10m',
    Status: 'passing',
  });
  try {
    await nodeCheckSteps();
  } finally {
    await put('/v1/agent/check/deregister/workshop-api-b1-node-check');
  }
  await waitFor(async () => (await passingWorkshop()).length === 4 || undefined, { timeoutMs: 10_000, what: 'node healthy again' });
  expect(failing(await check('2'))).toEqual([]);
}, 60_000);

async function nodeCheckSteps(): Promise<void> {
  let r = await check('2');
  expect(failing(r)).toEqual([
    expect.stringMatching(/^no node-level workshop check on any node \(found workshop-api-b1-node-check on host-b\) — `npm run lab:up`/),
  ]);
  // Passing, it harms nobody yet: exercise 5-node-check wants it critical.
  expect(failing(await check('5-node-check'))).toEqual([
    expect.stringMatching(/^one of them is critical — kill one instance hard: `npm run lab:kill-api -- api-b1 --hard`/),
    expect.stringMatching(/still passing: api-a1, api-a2, api-b1, api-b2, consul-demo\)/),
  ]);

  // Its instance "dies": the node check goes critical and takes EVERY service on the node out of ?passing.
  await put('/v1/agent/check/fail/workshop-api-b1-node-check');
  await waitFor(async () => (await passingWorkshop()).length === 0 || undefined, { timeoutMs: 10_000, what: 'node poisoned' });
  r = await check('5-node-check');
  expect(passed(r)).toBe(true);
  // api-b1's own check is the critical one: it is not among "the others".
  expect(r.checks[2]!.label).toMatch(/though their own checks pass \(api-a1, api-a2, api-b2, consul-demo\)/);
  expect(failing(await check('2'))).toEqual([
    expect.stringMatching(/no node-level workshop check/),
    expect.stringMatching(
      /^all 4 workshop instances passing \(not: api-a1, api-a2, api-b1, api-b2\) — a critical node-level check \(workshop-api-b1-node-check\)/,
    ),
  ]);
  expect(failing(await check('3'))).toEqual([expect.stringMatching(/\(none passing\)/), expect.stringMatching(/\(HTTP 503\)/)]);
}

test('exercise 4: a failed TTL takes one instance out; the page follows; a lagging page is caught', async () => {
  expect(failing(await check('4'))).toEqual([
    expect.stringMatching(/at least one workshop instance is not passing — stop one: `npm run lab:kill-api`/),
  ]);

  await put(`/v1/agent/check/fail/${encodeURIComponent('service:workshop-api-a2')}`);
  try {
    await waitFor(async () => (await passingWorkshop()).length === 3 || undefined, { timeoutMs: 10_000, what: 'api-a2 out' });
    const r = await check('4');
    expect(failing(r)).toEqual([]);
    expect(r.checks[0]!.label).toBe('at least one workshop instance is not passing (api-a2)');
    expect(failing(await check('3'))).toEqual([]);

    // A page that has not caught up with Consul yet (the stand-in hides a passing instance).
    hideFromPage.add('workshop-api-b2');
    expect(failing(await check('3'))).toEqual([
      expect.stringMatching(/the page lacks api-b2: consul-template/),
      expect.stringMatching(/\(not: api-b2\) — api-b2: HTTP 404/),
    ]);
  } finally {
    hideFromPage.clear();
    await put(`/v1/agent/check/pass/${encodeURIComponent('service:workshop-api-a2')}`);
  }
}, 60_000);

test('nothing listening: every part is unknown, no exercise throws', async () => {
  const closed = `http://127.0.0.1:${await freePort()}`;
  const facts = await gatherFacts({ consulUrl: closed, nginxUrl: closed, demoRequests: async () => demo, timeoutMs: 500 });
  expect(facts.workshop.ok).toBe(false);
  expect(failing(checkExercise('2', facts))).toEqual([
    expect.stringMatching(
      /could not read Consul's workshop instances: Consul http:\/\/127\.0\.0\.1:\d+\/v1\/health\/service\/workshop\?stale: fetch failed \(.*ECONNREFUSED/,
    ),
    expect.stringMatching(/could not read Consul's node checks/),
    expect.stringMatching(/could not read Consul's workshop instances/),
  ]);
});
