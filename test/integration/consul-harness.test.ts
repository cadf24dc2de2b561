import { startConsulCluster, startConsulDev } from '../harness/consul';
import { stopAllProcesses } from '../harness/processes';

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
    const members = (await (await fetch(`${cluster.agent.httpUrl}/v1/agent/members`)).json()) as Array<{ Status: number }>;
    expect(members).toHaveLength(4);
    expect(members.every((m) => m.Status === 1)).toBe(true);
  } finally {
    await cluster.stop();
  }
}, 90_000);
