// The original workshop's node-level check (workshop-api --check-scope node), against a real Consul dev agent:
// two built instances registered through the same agent, one of them killed.
import type { HealthServiceEntry } from '../../services/shared/consul/health';
import { consulGet } from '../harness/consul';
import { useConsulDev } from '../harness/consulFixture';
import type { ManagedProcess } from '../harness/processes';
import { sleep, waitFor } from '../harness/waitFor';
import { type WorkshopInstance, startWorkshopApi } from '../harness/workshopApi';

const consul = useConsulDev();
/** The workshop-api processes of the current test (stopAllProcesses would stop the Consul agent too). */
const instances: ManagedProcess[] = [];

afterEach(async () => {
  await Promise.all(instances.splice(0).map((p) => p.stop('SIGTERM', 3000)));
  // A SIGKILLed node-scoped instance leaves its node check behind (nothing reaps it): remove what this test
  // registered, so the next test starts on a healthy node.
  if (!consul.started) return;
  const checks = await get<Record<string, { CheckID: string }>>('/v1/agent/checks');
  for (const c of Object.values(checks)) await put(`/v1/agent/check/deregister/${encodeURIComponent(c.CheckID)}`);
  const services = await get<Record<string, { ID: string }>>('/v1/agent/services');
  for (const s of Object.values(services)) await put(`/v1/agent/service/deregister/${encodeURIComponent(s.ID)}`);
}, 30_000);

const get = <T>(p: string): Promise<T> => consulGet<T>(consul(), p);

async function put(p: string): Promise<void> {
  const res = await fetch(`${consul().httpUrl}${p}`, { method: 'PUT', signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`PUT ${p}: HTTP ${res.status}`);
}

/** What Nginx's consul-template and discovery see: the IDs in /v1/health/service/workshop?passing. */
async function passingIds(): Promise<string[]> {
  const entries = await get<HealthServiceEntry[]>('/v1/health/service/workshop?passing');
  return entries.map((e) => e.Service.ID).sort();
}

// 1 s checks: Consul's minimum, so the bounds below are many intervals even on 2 busy cores.
async function api(name: string, args: string[] = []): Promise<WorkshopInstance> {
  const inst = await startWorkshopApi(name, { consulHttpAddr: consul().httpAddr, args: ['--check-interval', '1s', ...args] });
  instances.push(inst.process);
  return inst;
}

async function bothPassing(a: WorkshopInstance, b: WorkshopInstance): Promise<void> {
  await waitFor(async () => (await passingIds()).join() === [a.id, b.id].sort().join(), { timeoutMs: 15_000, what: 'both passing' });
}

test('--check-scope node + SIGKILL: BOTH instances leave ?passing, though the other still answers', async () => {
  const nodeScoped = await api('nia', ['--check-scope', 'node']);
  const other = await api('otto');
  await nodeScoped.process.waitForLine(/check scope is NODE .*EVERY service on this Consul node turns critical/, 1000);
  await bothPassing(nodeScoped, other);
  const checks = await get<Record<string, { CheckID: string; ServiceID: string; Type: string }>>('/v1/agent/checks');
  expect(checks['workshop-nia-node-check']).toMatchObject({ ServiceID: '', Type: 'http' });
  expect(Object.values(checks).filter((c) => c.ServiceID === nodeScoped.id)).toHaveLength(0);

  const t0 = Date.now();
  await nodeScoped.process.stop('SIGKILL');
  await waitFor(async () => (await passingIds()).length === 0, { timeoutMs: 20_000, what: 'both out of ?passing' });
  const outS = (Date.now() - t0) / 1000;
  expect((await fetch(`${other.url}/health`)).status).toBe(200); // alive, yet out of discovery
  // Nothing reaps a node check: the node stays poisoned (checked well past the moment it turned critical).
  await sleep(3000);
  expect(await passingIds()).toEqual([]);
  const after = await get<Record<string, { Status: string }>>('/v1/agent/checks');
  expect(after['workshop-nia-node-check']?.Status).toBe('critical');
  console.log(`node scope, SIGKILL of one instance: both out of ?passing after ${outS.toFixed(2)} s (the other still serving)`);
  expect(outS).toBeLessThan(20);
}, 60_000);

test('default (service scope) + the same SIGKILL: only the dead instance leaves ?passing', async () => {
  const killed = await api('sam');
  const other = await api('sue');
  await bothPassing(killed, other);
  const t0 = Date.now();
  await killed.process.stop('SIGKILL');
  await waitFor(async () => !(await passingIds()).includes(killed.id), { timeoutMs: 20_000, what: 'sam out of ?passing' });
  const outS = (Date.now() - t0) / 1000;
  // Several check intervals later the other is still the one passing instance.
  for (let i = 0; i < 6; i++) {
    expect(await passingIds()).toEqual([other.id]);
    await sleep(500);
  }
  console.log(`service scope, SIGKILL of one instance: it left ?passing after ${outS.toFixed(2)} s; the other stayed passing`);
}, 60_000);

test('--check-scope node + SIGTERM: the node check is removed with the service; the other never leaves ?passing', async () => {
  const nodeScoped = await api('nina', ['--check-scope', 'node', '--drain-delay', '2s']);
  const other = await api('olaf');
  await bothPassing(nodeScoped, other);
  // Sample throughout the shutdown and drain: a 503 while the node check still existed would show here.
  let sampling = true;
  const missing: number[] = [];
  const sampler = (async () => {
    while (sampling) {
      if (!(await passingIds()).includes(other.id)) missing.push(Date.now());
      await sleep(100);
    }
  })();
  try {
    const t0 = Date.now();
    nodeScoped.process.signal('SIGTERM');
    const { code } = await nodeScoped.process.exited;
    const exitS = (Date.now() - t0) / 1000;
    expect(code).toBe(0);
    const checks = await get<Record<string, unknown>>('/v1/agent/checks');
    expect(checks).not.toHaveProperty('workshop-nina-node-check');
    expect(await get<Record<string, unknown>>('/v1/agent/services')).not.toHaveProperty(nodeScoped.id);
    await sleep(3000); // three check intervals after the exit
    console.log(`node scope, SIGTERM: exited after ${exitS.toFixed(2)} s with its node check removed; the other stayed passing`);
  } finally {
    sampling = false;
    await sampler;
  }
  expect(missing).toEqual([]);
  expect(await passingIds()).toEqual([other.id]);
}, 60_000);

test('--check-scope node: a node check the agent lost is registered again by the registration watch', async () => {
  const n = await api('noor', ['--check-scope', 'node', '--reregister-interval', '1s']);
  await waitFor(async () => (await passingIds()).includes(n.id), { timeoutMs: 15_000, what: 'noor passing' });
  await put('/v1/agent/check/deregister/workshop-noor-node-check');
  await n.process.waitForLine(/registration was missing from the local agent; registered again/, 10_000);
  const checks = await get<Record<string, { ServiceID: string }>>('/v1/agent/checks');
  expect(checks['workshop-noor-node-check']).toMatchObject({ ServiceID: '' });
}, 60_000);
