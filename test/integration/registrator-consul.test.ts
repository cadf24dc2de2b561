// The registrator against a REAL Consul dev agent, with a faked Docker side (services/registrator/testdata): this
// test claims only the Consul side — the registration as the agent holds it, its HTTP check turning passing against
// a real server on loopback, deregistration on die, the last-die KV record, the reconcile of a stale
// registrator-owned service, and that a service the registrator does not own is never touched. The real Docker side
// (labels through Compose, events from dockerd, the host's network namespace) is covered by the lab's e2e test.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { parseConsulHttpAddr } from '../../services/shared/consul/address';
import { createConsulClient } from '../../services/shared/consul/client';
import { registratorLastDieSchema } from '../../services/shared/consul/schemas';
import { createLogger } from '../../services/shared/logger';
import { registratorLastDieKey } from '../../services/shared/names';
import { createConsulSide } from '../../services/registrator/consulSide';
import { type Clock, Registrator } from '../../services/registrator/registrator';
import { FakeDocker, HOST_CONTAINER, eventFor, workload } from '../../services/registrator/testdata/fakes';
import { consulGet } from '../harness/consul';
import { useConsulDev } from '../harness/consulFixture';
import { waitFor } from '../harness/waitFor';

const consul = useConsulDev();
const clock: Clock = { now: () => Date.now(), sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined) };

interface AgentService {
  ID: string;
  Service: string;
  Port: number;
  Address: string;
  Meta: Record<string, string>;
}

async function put(path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${consul().httpUrl}${path}`, { method: 'PUT', body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`PUT ${path}: HTTP ${res.status}`);
}

test('registers with a passing check, deregisters on die with a last-die record, reconciles only its own', async () => {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const client = createConsulClient(parseConsulHttpAddr(consul().httpAddr));
  const docker = new FakeDocker();
  const lines: string[] = [];
  const registrator = new Registrator({
    docker,
    consul: createConsulSide(client, 'host-b'),
    clock,
    logger: createLogger({ name: 'registrator', write: (l) => lines.push(l) }),
    host: 'host-b',
    project: 'lab',
    hostContainerId: HOST_CONTAINER,
    reconcileIntervalMs: 500,
  });
  try {
    // Not the registrator's: a hand registration, and a stale one of its own from a container long gone.
    await put('/v1/agent/service/register', { ID: 'by-hand', Name: 'workshop', Port: 1, Meta: { 'registered-by': 'hand' } });
    await put('/v1/agent/service/register', {
      ID: 'workshop-gone',
      Name: 'workshop',
      Port: 2,
      Meta: { 'registered-by': 'registrator', container: '999999999999' },
    });
    const c = workload('1'.repeat(64), 'lab-workshop-api-b1-1', {
      'lab.service.id': 'workshop-b1',
      'lab.service.port': String(port),
      'lab.service.meta.name': 'b1',
    });
    docker.add(c);
    const running = registrator.run();

    const services = async () => consulGet<Record<string, AgentService>>(consul(), '/v1/agent/services');
    await waitFor(async () => (await services())['workshop-b1'] !== undefined && (await services())['workshop-gone'] === undefined, {
      what: 'workshop-b1 registered, workshop-gone reconciled away',
    });
    const b1 = (await services())['workshop-b1']!;
    expect(b1).toMatchObject({
      Service: 'workshop',
      Port: port,
      // No address: Consul then gives the node's (the host's), which is what Nginx renders.
      Address: '',
      Meta: { name: 'b1', 'registered-by': 'registrator', container: '111111111111' },
    });
    expect((await services())['by-hand']).toBeDefined();
    await waitFor(
      async () => {
        const checks = await consulGet<{ Status: string; ServiceID: string }[]>(consul(), '/v1/health/checks/workshop');
        return checks.some((ch) => ch.ServiceID === 'workshop-b1' && ch.Status === 'passing');
      },
      { timeoutMs: 15_000, what: "workshop-b1's HTTP check passing" },
    );

    docker.containers.delete(c.id);
    const diedAt = Date.now();
    docker.stream.push(eventFor(c, 'die', diedAt, 137));
    await waitFor(async () => (await services())['workshop-b1'] === undefined, { what: 'workshop-b1 deregistered' });
    const kv = await consulGet<{ Value: string }[]>(consul(), `/v1/kv/${registratorLastDieKey('host-b')}`);
    const record = registratorLastDieSchema.parse(JSON.parse(Buffer.from(kv[0]!.Value, 'base64').toString('utf8')));
    expect(record).toMatchObject({ serviceId: 'workshop-b1', container: '111111111111', exitCode: 137 });
    expect(record.ms).toBeGreaterThanOrEqual(0);
    expect(record.ms).toBeLessThan(5000);

    // Several reconciles later, the hand registration is still there, untouched.
    await delay(1500);
    expect((await services())['by-hand']).toMatchObject({ Port: 1, Meta: { 'registered-by': 'hand' } });
    expect(lines.join('\n')).toMatch(/container died: deregistered {2}serviceId=workshop-b1/);
    registrator.stop();
    await running;
  } finally {
    registrator.stop();
    client.destroy();
    server.close();
  }
}, 60_000);
