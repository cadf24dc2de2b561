import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConsulVersion, pinnedConsulVersion } from '../../scripts/lib/images/pinnedVersions';
import { ManagedProcess, startProcess } from './processes';
import { freePorts } from './ports';
import { REPO_ROOT, toolPath } from './paths';
import { waitFor } from './waitFor';

/** The Consul version the tests must run: .env's CONSUL_IMAGE tag, what users with a registry run. */
export function expectedConsulVersion(): string {
  return pinnedConsulVersion(REPO_ROOT);
}

let checkedConsul: string | undefined;
/**
 * .tools/bin/consul, once checked to BE the pinned version: a test passing on another Consul than
 * the one users run proves little, so a stale binary is an error that says how to fix it.
 */
export function consulBinary(): string {
  const bin = toolPath('consul');
  if (checkedConsul !== bin) {
    const want = expectedConsulVersion();
    const have = parseConsulVersion(execFileSync(bin, ['version'], { encoding: 'utf8', timeout: 20_000 }));
    if (have !== want) throw new Error(`${bin} is Consul ${have ?? '(unknown version)'} but .env pins ${want}: run "npm run tools"`);
    checkedConsul = bin;
  }
  return bin;
}

/** A real Consul agent started by a test. */
export interface ConsulAgent {
  name: string;
  ip: string;
  httpPort: number;
  dnsPort: number;
  serfLanPort: number;
  /** `127.0.0.1:8500` form, for CONSUL_HTTP_ADDR. */
  httpAddr: string;
  /** `127.0.0.1:8600` form, for CONSUL_DNS_ADDR. */
  dnsAddr: string;
  httpUrl: string;
  process: ManagedProcess;
  dataDir: string;
  stop(): Promise<void>;
}

interface AgentSpec {
  name: string;
  ip: string;
  dev?: boolean;
  server?: boolean;
  bootstrapExpect?: number;
  retryJoin?: string[];
}

async function startAgent(spec: AgentSpec): Promise<ConsulAgent> {
  const [http, dns, serfLan, serfWan, server] = await freePorts(5, spec.ip);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `consul-${spec.name}-`));
  // Never calls home, never recurses to a public resolver (no `recursors`), loopback only.
  const hcl = [
    `node_name = "${spec.name}"`,
    `disable_update_check = true`,
    `bind_addr = "${spec.ip}"`,
    `client_addr = "${spec.ip}"`,
    `log_level = "warn"`,
    // gRPC (plain and TLS) off: the tests use neither, and since 1.14 grpc_tls defaults to a FIXED 8503,
    // which two agents on one address (parallel test files, a second engineer's run) would fight over.
    `ports { http = ${http}  dns = ${dns}  serf_lan = ${serfLan}  serf_wan = ${serfWan}  server = ${server}  grpc = -1  grpc_tls = -1 }`,
    // Fast elections and quick gossip on loopback: tests should not wait for production timeouts.
    `performance { raft_multiplier = 1 }`,
  ];
  if (!spec.dev) {
    hcl.push(`data_dir = "${dataDir}"`, `server = ${spec.server ? 'true' : 'false'}`);
    if (spec.bootstrapExpect) hcl.push(`bootstrap_expect = ${spec.bootstrapExpect}`);
    if (spec.retryJoin?.length) hcl.push(`retry_join = [${spec.retryJoin.map((j) => `"${j}"`).join(', ')}]`, `retry_interval = "1s"`);
    hcl.push(`leave_on_terminate = true`);
  }
  const cfg = path.join(dataDir, 'agent.hcl');
  writeFileSync(cfg, hcl.join('\n') + '\n');
  const args = spec.dev ? ['agent', '-dev', `-config-file=${cfg}`] : ['agent', `-config-file=${cfg}`];
  const proc = startProcess(consulBinary(), args, { name: spec.name });
  const agent: ConsulAgent = {
    name: spec.name,
    ip: spec.ip,
    httpPort: http!,
    dnsPort: dns!,
    serfLanPort: serfLan!,
    httpAddr: `${spec.ip}:${http}`,
    dnsAddr: `${spec.ip}:${dns}`,
    httpUrl: `http://${spec.ip}:${http}`,
    process: proc,
    dataDir,
    async stop() {
      await proc.stop('SIGTERM', 5000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return agent;
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

/** Wait until `agent` knows a raft leader (and, if given, that many raft peers). */
export async function waitForLeader(agent: ConsulAgent, peers?: number, timeoutMs = 30_000): Promise<string> {
  return waitFor(
    async () => {
      if (!agent.process.running) throw new Error(`${agent.name} exited:\n${agent.process.output().slice(-1500)}`);
      const leader = (await getJson(`${agent.httpUrl}/v1/status/leader`)) as string;
      if (!leader) return undefined;
      if (peers !== undefined) {
        const p = (await getJson(`${agent.httpUrl}/v1/status/peers`)) as string[];
        if (p.length !== peers) return undefined;
      }
      return leader;
    },
    { timeoutMs, intervalMs: 200, what: `a Consul leader seen by ${agent.name}` },
  );
}

/** A single dev-mode agent (server + client, in memory) on 127.0.0.1 with free ports. */
export async function startConsulDev(name = `dev-${process.pid}-${Date.now() % 100000}`): Promise<ConsulAgent> {
  const agent = await startAgent({ name, ip: '127.0.0.1', dev: true });
  try {
    await waitForLeader(agent);
    // The dev agent registers its own node a moment after electing itself; wait for the catalog to answer.
    await waitFor(async () => ((await getJson(`${agent.httpUrl}/v1/catalog/nodes`)) as unknown[]).length > 0, {
      what: 'dev agent in catalog',
    });
  } catch (err) {
    await agent.stop();
    throw err;
  }
  return agent;
}

export interface ConsulCluster {
  servers: ConsulAgent[];
  /** The client agent that services talk to, as in the lab. */
  agent: ConsulAgent;
  stop(): Promise<void>;
}

/**
 * Three servers (127.0.0.2-4) and a client agent (127.0.0.5), each on free ports, joined by retry_join.
 * Resolves once the client agent sees a leader with three raft peers.
 */
export async function startConsulCluster(prefix = `t${process.pid}`): Promise<ConsulCluster> {
  const ips = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
  const started: ConsulAgent[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((a) => a.stop()));
  };
  try {
    const first = await startAgent({ name: `${prefix}-server-1`, ip: ips[0]!, server: true, bootstrapExpect: 3 });
    started.push(first);
    const join = [`${first.ip}:${first.serfLanPort}`];
    for (let i = 1; i < 3; i++) {
      started.push(await startAgent({ name: `${prefix}-server-${i + 1}`, ip: ips[i]!, server: true, bootstrapExpect: 3, retryJoin: join }));
    }
    const agent = await startAgent({ name: `${prefix}-agent`, ip: '127.0.0.5', server: false, retryJoin: join });
    started.push(agent);
    await waitForLeader(agent, 3, 60_000);
    return { servers: started.slice(0, 3), agent, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
