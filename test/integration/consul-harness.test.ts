import { existsSync } from 'node:fs';
import { type ConsulAgent, consulGet, startConsulCluster, startConsulDev } from '../harness/consul';
import { useConsulDev } from '../harness/consulFixture';
import { stopAllProcesses } from '../harness/processes';
import { waitFor } from '../harness/waitFor';

afterAll(stopAllProcesses);

test('a dev agent starts, answers HTTP, and stops by pid', async () => {
  const dev = await startConsulDev();
  try {
    const res = await fetch(`${dev.httpUrl}/v1/agent/self`);
    expect(res.status).toBe(200);
    const self = (await res.json()) as { Config: { Version: string } };
    expect(self.Config.Version).toMatch(/^1\./);
  } finally {
    await dev.stop();
  }
  expect(dev.process.running).toBe(false);
}, 30_000);

test('a 3-server cluster with a client agent elects a leader', async () => {
  const cluster = await startConsulCluster();
  try {
    // A leader needs only two servers' votes: the client agent may hear of the third by gossip a moment later.
    const members = await waitFor(
      async () => {
        const m = (await (await fetch(`${cluster.agent.httpUrl}/v1/agent/members`)).json()) as Array<{ Status: number }>;
        return m.length === 4 ? m : undefined;
      },
      { timeoutMs: 15_000, what: 'the client agent sees all 4 members' },
    );
    expect(members.every((m) => m.Status === 1)).toBe(true);
  } finally {
    await cluster.stop();
  }
}, 90_000);

describe('useConsulDev', () => {
  const consul = useConsulDev();
  let seen: ConsulAgent | undefined;
  // Declared after the fixture: runs after its tear-down.
  afterAll(() => {
    expect(consul.started).toBe(false);
    expect(() => consul()).toThrow(/no Consul here/);
    expect(seen?.process.running).toBe(false);
    expect(existsSync(seen!.dataDir)).toBe(false);
  });

  test('the tests get an agent with a leader, and the same one in each test', async () => {
    seen = consul();
    expect(consul.started).toBe(true);
    expect(await consulGet<string>(seen, '/v1/status/leader')).not.toBe('');
  });

  test('the same agent in the next test', () => {
    expect(consul()).toBe(seen);
    expect(seen!.process.running).toBe(true);
  });
});
