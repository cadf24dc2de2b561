import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { REPO_ROOT, TOOLS_BIN } from './paths';
import { sleep, waitFor } from './waitFor';

const execFileP = promisify(execFile);
const INSTALL_HINT = 'bash scripts/tools/install-tools.sh --docker (installs Debian docker.io, debootstrap and compose v2)';

/** A Docker engine the tests can use; `stop()` ends it only if this harness started it. */
export interface DockerEngine {
  docker: Docker;
  startedByHarness: boolean;
  /** dockerd's log when the harness started it. */
  logFile?: string;
  stop(): Promise<void>;
}

async function answers(docker: Docker): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

function onPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin']) if (existsSync(path.join(dir, cmd))) return path.join(dir, cmd);
  return undefined;
}

async function composeWorks(): Promise<boolean> {
  try {
    await execFileP('docker', ['compose', 'version'], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** Everything the e2e path needs on the machine; what is missing is installed by install-tools.sh --docker. */
async function missingTools(): Promise<string[]> {
  const missing: string[] = [];
  if (!onPath('dockerd')) missing.push('dockerd');
  if (!onPath('docker')) missing.push('docker CLI');
  else if (!(await composeWorks())) missing.push('docker compose v2');
  if (!onPath('debootstrap')) missing.push('debootstrap');
  for (const t of ['consul', 'consul-template']) if (!existsSync(path.join(TOOLS_BIN, t))) missing.push(`.tools/bin/${t}`);
  return missing;
}

/** Install what is missing (real installs: Debian's packages, compose v2, .tools/), or throw saying how. */
export async function ensureDockerTools(log: (msg: string) => void = () => undefined): Promise<void> {
  const missing = await missingTools();
  if (missing.length === 0) return;
  log(`missing ${missing.join(', ')}: running ${INSTALL_HINT}`);
  try {
    await execFileP('bash', [path.join(REPO_ROOT, 'scripts/tools/install-tools.sh'), '--docker'], {
      cwd: REPO_ROOT,
      timeout: 15 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `could not install ${missing.join(', ')} (${(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' | ')}); run: ${INSTALL_HINT}`,
      { cause: err },
    );
  }
  const still = await missingTools();
  if (still.length) throw new Error(`still missing after install-tools.sh --docker: ${still.join(', ')}; run: ${INSTALL_HINT}`);
}

/**
 * A Docker engine that answers. If none does, start Debian's dockerd in the background (own session,
 * log in a temp file), wait for its socket, and hand back a `stop()` that ends it by pid.
 * An engine that was already running (a developer's, the team's) is used and never stopped.
 */
/** Port 9 (discard) on loopback: nothing listens, so a connection is refused at once. .ci/run uses the same. */
const DEAD_PROXY = 'http://127.0.0.1:9';

export async function ensureDockerEngine(log: (msg: string) => void = () => undefined): Promise<DockerEngine> {
  const docker = new Docker();
  if (await answers(docker)) return { docker, startedByHarness: false, stop: async () => undefined };
  if (process.env.DOCKER_HOST)
    throw new Error(`DOCKER_HOST=${process.env.DOCKER_HOST} does not answer: start that engine or unset DOCKER_HOST`);

  const dockerd = onPath('dockerd');
  if (!dockerd) throw new Error(`no Docker engine answers and dockerd is not installed: run ${INSTALL_HINT}`);
  if (process.getuid?.() !== 0)
    throw new Error('no Docker engine answers, and starting dockerd needs root: start Docker yourself (or run the tests as root)');

  const logFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'e2e-dockerd-')), 'dockerd.log');
  const fd = openSync(logFile, 'a');
  // detached = setsid: dockerd gets its own session, so a Ctrl-C aimed at jest does not reach it mid-teardown.
  // Tests never reach a container registry (none is allowed: loopback and our own containers only). The engine's
  // own registry traffic goes to a loopback port where nothing listens, so a pull that slipped in fails at once,
  // here, instead of heading for Docker Hub. Builds' RUN steps (apt, npm) do not use dockerd's proxy settings.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HTTP_PROXY: DEAD_PROXY,
    HTTPS_PROXY: DEAD_PROXY,
    http_proxy: DEAD_PROXY,
    https_proxy: DEAD_PROXY,
  };
  delete env.NO_PROXY;
  delete env.no_proxy;
  const child = spawn(dockerd, [], { detached: true, stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  const pid = child.pid;
  if (!pid) throw new Error(`could not start ${dockerd}`);
  child.unref();
  let exited = false;
  child.on('exit', () => (exited = true));
  log(`no Docker engine answered: started ${dockerd} (pid ${pid}, log ${logFile})`);

  try {
    await waitFor(async () => !exited && existsSync('/var/run/docker.sock') && (await answers(docker)), {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'the Docker engine we started to answer',
    });
  } catch (err) {
    const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    if (!exited) process.kill(pid, 'SIGTERM');
    throw new Error(`${(err as Error).message}${exited ? ' (dockerd exited)' : ''}\n--- ${logFile} ---\n${tail}`, { cause: err });
  }

  const stop = async (): Promise<void> => {
    if (exited) return;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (!exited && Date.now() < deadline) await sleep(200);
    if (!exited) process.kill(pid, 'SIGKILL');
  };
  return { docker, startedByHarness: true, logFile, stop };
}

export interface ComposeResult {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** `docker compose <args>` in the repo root (where docker-compose.yml is). Never throws; check `code`. */
export function compose(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ComposeResult> {
  return runCommand('docker', ['compose', ...args], opts);
}

/** Run a command to completion with captured output and a timeout (then SIGKILL). Never throws. */
export function runCommand(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<ComposeResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? REPO_ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${opts.timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: stderr + err.message, seconds: (Date.now() - t0) / 1000 });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

/** Containers, networks and volumes Docker still holds for a Compose project (by its label). */
export async function projectLeftovers(
  docker: Docker,
  project: string,
): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const filters = JSON.stringify({ label: [`com.docker.compose.project=${project}`] });
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return {
    containers: containers.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, '')),
    networks: networks.map((n) => n.Name),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
  };
}
