import { rmSync } from 'node:fs';
import { prepareAgent, retryOnTakenPort, waitForReady } from './consul';
import { type ManagedProcess, readyOrStopped } from './processes';
import { toolPath } from './paths';
import { sleep } from './waitFor';

/**
 * A real Consul dev agent that a test can restart WITHOUT its data (a dev agent keeps everything in memory,
 * so a restart is what `docker compose up --force-recreate` does to a lab agent without a data volume: every
 * service registered through its API is gone). It comes back on the same ports, so registrants that keep
 * CONSUL_HTTP_ADDR find it again.
 *
 * `clientAddr: '::1'` serves the HTTP API on the IPv6 loopback only (gossip and RPC stay on 127.0.0.1),
 * for testing `CONSUL_HTTP_ADDR=[::1]:port`.
 */
export interface RestartableConsul {
  /** CONSUL_HTTP_ADDR form: `127.0.0.1:8500` or `[::1]:8500`. */
  httpAddr: string;
  /** `http://127.0.0.1:8500` or `http://[::1]:8500`. */
  httpUrl: string;
  process: ManagedProcess;
  /**
   * Stop the agent (SIGTERM; SIGKILL after 5 s), start it again on the same ports with no state, and wait until
   * it answers with a leader and its own node in the catalog. Resolves with when it stopped and was ready again.
   * `downMs`: stay stopped this long first (a recreated container is gone for seconds, not milliseconds).
   */
  restart(opts?: { downMs?: number }): Promise<{ stoppedAt: number; readyAt: number }>;
  stop(): Promise<void>;
}

export interface RestartableConsulOptions {
  name?: string;
  clientAddr?: '127.0.0.1' | '::1';
  /**
   * More agent config lines (HCL both 1.8 and 1.20 take), e.g. `acl { enabled = true default_policy = "deny" }`.
   * With these, "ready" means a leader is known (the catalog may be hidden from an anonymous request).
   */
  extraHcl?: string[];
}

export async function startRestartableConsul(opts: RestartableConsulOptions = {}): Promise<RestartableConsul> {
  return retryOnTakenPort(() => startRestartableConsulOnce(opts));
}

async function startRestartableConsulOnce(opts: RestartableConsulOptions): Promise<RestartableConsul> {
  const name = opts.name ?? `rc-${process.pid}-${Date.now() % 100000}`;
  const prepared = await prepareAgent({
    name,
    ip: '127.0.0.1',
    clientAddr: opts.clientAddr ?? '127.0.0.1',
    dev: true,
    extraHcl: opts.extraHcl,
    // CONSUL_TEST_BIN runs these tests against another release (e.g. an extracted 1.8.7 while .tools/bin has
    // 1.20.5): they must pass on both.
    bin: process.env.CONSUL_TEST_BIN || toolPath('consul'),
  });
  // With extra config such as deny-by-default ACLs the anonymous token sees no nodes: a leader is all that
  // can be waited for.
  const ready = (proc: ManagedProcess): Promise<unknown> =>
    waitForReady({ name, httpUrl: prepared.httpUrl, process: proc }, { catalog: !opts.extraHcl?.length, intervalMs: 50 });

  const agent: RestartableConsul = {
    httpAddr: prepared.httpAddr,
    httpUrl: prepared.httpUrl,
    process: prepared.launch(),
    async restart(ro = {}) {
      await agent.process.stop('SIGTERM', 5000);
      const stoppedAt = Date.now();
      if (ro.downMs) await sleep(ro.downMs);
      agent.process = prepared.launch();
      await ready(agent.process);
      return { stoppedAt, readyAt: Date.now() };
    },
    async stop() {
      await agent.process.stop('SIGTERM', 5000);
      rmSync(prepared.dataDir, { recursive: true, force: true });
    },
  };
  return readyOrStopped(agent, () => ready(agent.process));
}
