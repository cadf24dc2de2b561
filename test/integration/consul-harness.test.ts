import net from 'node:net';
import { existsSync } from 'node:fs';
import {
  AgentExitedError,
  type ConsulAgent,
  consulGet,
  prepareAgent,
  retryOnTakenPort,
  startConsulCluster,
  startConsulDev,
  waitForReady,
} from '../harness/consul';
import { useConsulDev } from '../harness/consulFixture';
import { readyOrStopped, stopAllProcesses } from '../harness/processes';
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

test('an agent whose port is taken fails at once with its reason, and retryOnTakenPort starts it again on new ports', async () => {
  // A port taken between freePort and Consul's bind, made on purpose: something else listens on the serf port first.
  const squatter = net.createServer();
  const failures: Array<{ err: unknown; ms: number }> = [];
  let attempt = 0;
  const start = async () => {
    attempt++;
    const p = await prepareAgent({ name: `taken-${process.pid}-${attempt}`, ip: '127.0.0.1', dev: true });
    if (attempt === 1) await new Promise<void>((resolve) => squatter.listen(p.serfLanPort, '127.0.0.1', resolve));
    const proc = p.launch();
    const agent = { name: p.name, httpUrl: p.httpUrl, process: proc, stop: () => proc.stop('SIGTERM', 5000) };
    const t0 = Date.now();
    try {
      return await readyOrStopped(agent, () => waitForReady(agent));
    } catch (err) {
      failures.push({ err, ms: Date.now() - t0 });
      throw err;
    }
  };
  try {
    const agent = await retryOnTakenPort(start);
    try {
      expect(attempt).toBe(2);
      const [{ err, ms }] = failures as Array<{ err: Error; ms: number }>;
      expect(err).toBeInstanceOf(AgentExitedError);
      expect(err.message).toMatch(/address already in use/i);
      expect(ms).toBeLessThan(15_000); // not the 30 s timeout: the exit ends the wait
      expect(await consulGet<string>(agent, '/v1/status/leader')).not.toBe('');
    } finally {
      await agent.stop();
    }
  } finally {
    squatter.close();
  }
}, 90_000);
