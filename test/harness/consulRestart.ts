import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManagedProcess, startProcess } from './processes';
import { freePorts } from './ports';
import { toolPath } from './paths';
import { waitFor } from './waitFor';

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

/**
 * The consul binary: .tools/bin/consul, or CONSUL_TEST_BIN to run these tests against another release
 * (e.g. an extracted 1.8.7 while .tools/bin has 1.20.5): the tests must pass on both.
 */
function consulBinary(): string {
  return process.env.CONSUL_TEST_BIN || toolPath('consul');
}

/** [major, minor] of a consul binary, from `consul version`. */
function consulVersion(bin: string): [number, number] {
  const m = /Consul v(\d+)\.(\d+)/.exec(execFileSync(bin, ['version'], { encoding: 'utf8', timeout: 10_000 }));
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

export async function startRestartableConsul(opts: RestartableConsulOptions = {}): Promise<RestartableConsul> {
  const name = opts.name ?? `rc-${process.pid}-${Date.now() % 100000}`;
  const client = opts.clientAddr ?? '127.0.0.1';
  const [http, dns, serfLan, serfWan, server] = await freePorts(5, '127.0.0.1');
  const dir = mkdtempSync(path.join(os.tmpdir(), `consul-${name}-`));
  // Only options Consul 1.8 and 1.20 both take. Never calls home, no recursors, loopback only.
  const bin = consulBinary();
  const [major, minor] = consulVersion(bin);
  // Since 1.14 a dev agent also opens gRPC-TLS on the fixed port 8503, so two dev agents (ours and anyone
  // else's) collide; 1.8 does not know the key and refuses the config if it is there.
  const grpcTls = major > 1 || (major === 1 && minor >= 14) ? '  grpc_tls = -1' : '';
  const hcl = [
    `node_name = "${name}"`,
    `disable_update_check = true`,
    `bind_addr = "127.0.0.1"`,
    `client_addr = "${client}"`,
    `log_level = "warn"`,
    `ports { http = ${http}  dns = ${dns}  serf_lan = ${serfLan}  serf_wan = ${serfWan}  server = ${server}  grpc = -1${grpcTls} }`,
    `performance { raft_multiplier = 1 }`,
    ...(opts.extraHcl ?? []),
  ];
  const cfg = path.join(dir, 'agent.hcl');
  writeFileSync(cfg, hcl.join('\n') + '\n');
  const host = client === '::1' ? '[::1]' : client;
  const httpUrl = `http://${host}:${http}`;

  const launch = (): ManagedProcess => startProcess(bin, ['agent', '-dev', `-config-file=${cfg}`], { name });
  const ready = async (proc: ManagedProcess): Promise<void> => {
    await waitFor(
      async () => {
        if (!proc.running) throw new Error(`${name} exited:\n${proc.output().slice(-1500)}`);
        if (!((await getJson(`${httpUrl}/v1/status/leader`)) as string)) return false;
        // The dev agent registers its own node a moment after electing itself. (With extra config such as
        // deny-by-default ACLs the anonymous token sees no nodes: a leader is all that can be waited for.)
        if (opts.extraHcl?.length) return true;
        return ((await getJson(`${httpUrl}/v1/catalog/nodes`)) as unknown[]).length > 0;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: `Consul ${name} ready at ${httpUrl}` },
    );
  };

  const agent: RestartableConsul = {
    httpAddr: `${host}:${http}`,
    httpUrl,
    process: launch(),
    async restart(ro = {}) {
      await agent.process.stop('SIGTERM', 5000);
      const stoppedAt = Date.now();
      if (ro.downMs) await new Promise((r) => setTimeout(r, ro.downMs));
      agent.process = launch();
      await ready(agent.process);
      return { stoppedAt, readyAt: Date.now() };
    },
    async stop() {
      await agent.process.stop('SIGTERM', 5000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await ready(agent.process);
  } catch (err) {
    await agent.stop();
    throw err;
  }
  return agent;
}
