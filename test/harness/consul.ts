import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConsulVersion, pinnedConsulVersion } from '../../scripts/lib/images/pinnedVersions';
import { formatHostPort } from '../../services/shared/consul/address';
import { ManagedProcess, readyOrStopped, startProcess } from './processes';
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

/** [major, minor] of a consul binary, from `consul version`; asked once per binary. */
const versions = new Map<string, [number, number]>();
function binaryVersion(bin: string): [number, number] {
  let v = versions.get(bin);
  if (!v) {
    const [major, minor] = (parseConsulVersion(execFileSync(bin, ['version'], { encoding: 'utf8', timeout: 20_000 })) ?? '0.0')
      .split('.')
      .map(Number);
    v = [major ?? 0, minor ?? 0];
    versions.set(bin, v);
  }
  return v;
}

/** What a started agent is: a process and where it answers. */
interface AgentEndpoint {
  name: string;
  httpUrl: string;
  process: ManagedProcess;
}

/** A real Consul agent started by a test. */
export interface ConsulAgent extends AgentEndpoint {
  ip: string;
  httpPort: number;
  dnsPort: number;
  serfLanPort: number;
  /** `127.0.0.1:8500` form (`[::1]:8500` on IPv6), for CONSUL_HTTP_ADDR. */
  httpAddr: string;
  /** `127.0.0.1:8600` form, for CONSUL_DNS_ADDR. */
  dnsAddr: string;
  dataDir: string;
  stop(): Promise<void>;
}

export interface AgentSpec {
  name: string;
  /** Gossip and RPC address. */
  ip: string;
  /** HTTP and DNS address; `ip` by default. `::1` serves the API on the IPv6 loopback only. */
  clientAddr?: string;
  dev?: boolean;
  server?: boolean;
  bootstrapExpect?: number;
  retryJoin?: string[];
  /** More agent config lines (HCL both 1.8 and 1.20 take), e.g. `acl { enabled = true }`. */
  extraHcl?: string[];
  /** More agent config as JSON (written to its own file beside the HCL): what the lab hands agents as CONSUL_LOCAL_CONFIG. */
  extraConfig?: Record<string, unknown>;
  /** The consul binary: the pinned, checked .tools/bin/consul unless given. */
  bin?: string;
}

/** An agent's config written and its ports chosen; each `launch()` starts it (again) on the same ports. */
export interface PreparedAgent extends Omit<ConsulAgent, 'process' | 'stop'> {
  launch(): ManagedProcess;
}

/** Choose free ports and write the agent's config; the one place the harness's agent HCL is written. */
export async function prepareAgent(spec: AgentSpec): Promise<PreparedAgent> {
  const [http, dns, serfLan, serfWan, server] = await freePorts(5, spec.ip);
  const bin = spec.bin ?? consulBinary();
  const client = spec.clientAddr ?? spec.ip;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `consul-${spec.name}-`));
  const [major, minor] = binaryVersion(bin);
  // gRPC (plain and TLS) off: the tests use neither, and since 1.14 grpc_tls defaults to a FIXED 8503, which
  // two agents on one address (parallel test files, a second engineer's run) would fight over. 1.8 does not
  // know the key and refuses the config if it is there.
  const grpcTls = major > 1 || (major === 1 && minor >= 14) ? '  grpc_tls = -1' : '';
  // Never calls home, never recurses to a public resolver (no `recursors`), loopback only.
  const hcl = [
    `node_name = "${spec.name}"`,
    `disable_update_check = true`,
    `bind_addr = "${spec.ip}"`,
    `client_addr = "${client}"`,
    `log_level = "warn"`,
    `ports { http = ${http}  dns = ${dns}  serf_lan = ${serfLan}  serf_wan = ${serfWan}  server = ${server}  grpc = -1${grpcTls} }`,
    // Fast elections and quick gossip on loopback: tests should not wait for production timeouts.
    `performance { raft_multiplier = 1 }`,
    ...(spec.extraHcl ?? []),
  ];
  if (!spec.dev) {
    hcl.push(`data_dir = "${dataDir}"`, `server = ${spec.server ? 'true' : 'false'}`);
    if (spec.bootstrapExpect) hcl.push(`bootstrap_expect = ${spec.bootstrapExpect}`);
    if (spec.retryJoin?.length) hcl.push(`retry_join = [${spec.retryJoin.map((j) => `"${j}"`).join(', ')}]`, `retry_interval = "1s"`);
    hcl.push(`leave_on_terminate = true`);
  }
  const cfg = path.join(dataDir, 'agent.hcl');
  writeFileSync(cfg, hcl.join('\n') + '\n');
  const files = [`-config-file=${cfg}`];
  if (spec.extraConfig) {
    const json = path.join(dataDir, 'local.json');
    writeFileSync(json, JSON.stringify(spec.extraConfig), { mode: 0o600 });
    files.push(`-config-file=${json}`);
  }
  const args = spec.dev ? ['agent', '-dev', ...files] : ['agent', ...files];
  const httpAddr = formatHostPort({ host: client, port: http! });
  return {
    name: spec.name,
    ip: spec.ip,
    httpPort: http!,
    dnsPort: dns!,
    serfLanPort: serfLan!,
    httpAddr,
    dnsAddr: formatHostPort({ host: client, port: dns! }),
    httpUrl: `http://${httpAddr}`,
    dataDir,
    launch: () => startProcess(bin, args, { name: spec.name }),
  };
}

/** Prepare and launch one agent; its `stop()` ends it and removes its data dir. Not waited on: see waitForReady. */
export async function startAgent(spec: AgentSpec): Promise<ConsulAgent> {
  const { launch, ...where } = await prepareAgent(spec);
  const proc = launch();
  return {
    ...where,
    process: proc,
    async stop() {
      await proc.stop('SIGTERM', 5000);
      rmSync(where.dataDir, { recursive: true, force: true });
    },
  };
}

/** GET `path` (`/v1/agent/services`) of an agent's HTTP API, as JSON; a non-2xx answer throws naming it. */
export async function consulGet<T>(agent: { httpUrl: string }, path: string, timeoutMs = 3000): Promise<T> {
  const res = await fetch(`${agent.httpUrl}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export interface ReadyOptions {
  /** That many raft peers too. */
  peers?: number;
  /** Its own node in the catalog too (a dev agent registers it a moment after electing itself). */
  catalog?: boolean;
  timeoutMs?: number;
  intervalMs?: number;
}

/** Wait until `agent` knows a raft leader (and, if asked, that many peers and a node in the catalog). */
export async function waitForReady(agent: AgentEndpoint, opts: ReadyOptions = {}): Promise<string> {
  // An agent that exits while we wait has failed for good: say so at once, with its last output (why it exited),
  // instead of polling a dead port until the timeout.
  const exited = agent.process.exited.then(() => {
    throw new AgentExitedError(`${agent.name} exited before it was ready:\n${agent.process.output().slice(-1500)}`);
  });
  return Promise.race([exited, pollReady(agent, opts)]);
}

/** A Consul agent that exited during start-up; its message carries the agent's last output. */
export class AgentExitedError extends Error {
  override name = 'AgentExitedError';
}

/**
 * `start` again, on new free ports, when Consul exited at start-up because a port was taken: freePort's answer is
 * only true at the moment it is given, and other test files' processes pick ports the same way (seen once in CI:
 * a dev agent exited while starting). Any other failure, or a third taken port, is thrown as it is.
 */
export async function retryOnTakenPort<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (err) {
      if (i >= attempts || !(err instanceof AgentExitedError) || !/address already in use/i.test(err.message)) throw err;
    }
  }
}

function pollReady(agent: AgentEndpoint, opts: ReadyOptions): Promise<string> {
  return waitFor(
    async () => {
      if (!agent.process.running) throw new Error(`${agent.name} exited:\n${agent.process.output().slice(-1500)}`);
      const leader = await consulGet<string>(agent, '/v1/status/leader', 2000);
      if (!leader) return undefined;
      if (opts.peers !== undefined) {
        const p = await consulGet<string[]>(agent, '/v1/status/peers', 2000);
        if (p.length !== opts.peers) return undefined;
      }
      if (opts.catalog && (await consulGet<unknown[]>(agent, '/v1/catalog/nodes', 2000)).length === 0) return undefined;
      return leader;
    },
    { timeoutMs: opts.timeoutMs ?? 30_000, intervalMs: opts.intervalMs ?? 200, what: `Consul ${agent.name} ready at ${agent.httpUrl}` },
  );
}

/** A single dev-mode agent (server + client, in memory) on 127.0.0.1 with free ports. */
export async function startConsulDev(name = `dev-${process.pid}-${Date.now() % 100000}`): Promise<ConsulAgent> {
  return retryOnTakenPort(async () => {
    const agent = await startAgent({ name, ip: '127.0.0.1', dev: true });
    return readyOrStopped(agent, () => waitForReady(agent, { catalog: true, intervalMs: 100 }));
  });
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
    await waitForReady(agent, { peers: 3, timeoutMs: 60_000 });
    return { servers: started.slice(0, 3), agent, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
