import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ManagedProcess, readyOrStopped, startProcess } from './processes';
import { REPO_ROOT, toolPath } from './paths';
import { freePort } from './ports';

/**
 * The lab's Nginx side (real nginx + real consul-template) started through the SAME nginx/run.sh the container
 * uses, on a free loopback port, with its own work dir (prefix, pid, temp) under the OS temp dir.
 */
export interface NginxSide {
  url: string;
  port: number;
  workDir: string;
  process: ManagedProcess;
  /** The live (applied) rendered files. */
  liveUpstreams(): string;
  liveLocations(): string;
  /** `host:port` of each `server` line in the live upstream block. */
  upstreamServers(): string[];
  /** pids of nginx's master and consul-template, from their pid files. */
  childPids(): number[];
  /**
   * True when the last reload has settled: the master has exactly one child (worker_processes 1) and it is
   * not an old worker shutting down. Right after a reload, an old worker that has not yet handled its QUIT
   * can still accept a connection and answer from the previous config; tests that assert on the new config
   * wait for this first.
   */
  reloadSettled(): boolean;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface NginxSideOptions {
  consulHttpAddr: string;
  name?: string;
  /** Wait for consul-template's first applied render (default true). */
  waitForFirstRender?: boolean;
  /** Extra environment for run.sh, e.g. NGINX_APPLY=restart (the benchmark's baseline). */
  env?: NodeJS.ProcessEnv;
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Command lines of the live children of `ppid`, from /proc (Linux). */
function childCommandLines(ppid: number): string[] {
  const out: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== ppid || fields[0] === 'Z') continue;
      out.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' '));
    } catch {
      /* the process ended while we looked */
    }
  }
  return out;
}

export async function startNginxSide(opts: NginxSideOptions): Promise<NginxSide> {
  const nginx = toolPath('nginx');
  const consulTemplate = toolPath('consul-template');
  const port = await freePort();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'lab-nginx-'));
  const proc = startProcess('bash', [path.join(REPO_ROOT, 'nginx', 'run.sh')], {
    name: opts.name ?? 'nginx-side',
    env: {
      ...process.env,
      CONSUL_HTTP_ADDR: opts.consulHttpAddr,
      NGINX_LISTEN: `127.0.0.1:${port}`,
      NGINX_WORK_DIR: workDir,
      NGINX_BIN: nginx,
      CONSUL_TEMPLATE_BIN: consulTemplate,
      // Thousands of requests per test: the access log would only fill memory.
      NGINX_ACCESS_LOG: 'off',
      ...opts.env,
    },
  });
  const live = (f: string): string => readFileSync(path.join(workDir, f), 'utf8');
  const childPids = (): number[] =>
    [readPid(path.join(workDir, 'nginx.pid')), readPid(path.join(workDir, 'consul-template.pid'))].filter(
      (p): p is number => p !== undefined,
    );
  let pidsSeen: number[] = [];
  const side: NginxSide = {
    url: `http://127.0.0.1:${port}`,
    port,
    workDir,
    process: proc,
    liveUpstreams: () => live('conf/rendered/upstreams.conf'),
    liveLocations: () => live('conf/rendered/locations.conf'),
    upstreamServers: () => [...live('conf/rendered/upstreams.conf').matchAll(/^\s*server\s+(\S+?)\s/gm)].map((m) => m[1]!),
    childPids: () => {
      const p = childPids();
      if (p.length) pidsSeen = p;
      return p;
    },
    reloadSettled: () => {
      const master = readPid(path.join(workDir, 'nginx.pid'));
      if (master === undefined) return false;
      const workers = childCommandLines(master);
      return workers.length === 1 && !workers[0]!.includes('shutting down');
    },
    async stop() {
      side.childPids();
      const r = await proc.stop('SIGTERM', 8000);
      // If run.sh had to be SIGKILLed, its children would be orphaned: end them by pid (we started them).
      for (const pid of pidsSeen) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
      if (existsSync(workDir)) rmSync(workDir, { recursive: true, force: true });
      return r;
    },
  };
  return readyOrStopped(side, async () => {
    await proc.waitForLine(/nginx-side: nginx \(pid \d+\) listening/, 15_000);
    side.childPids();
    if (opts.waitForFirstRender ?? true) await proc.waitForLine(/apply-render: applied render/, 20_000);
  });
}

/**
 * GET on a NEW connection per request (like curl in the lab exercises). Keep-alive clients meet a different,
 * known race at every Nginx reload: an old worker closes its idle keep-alive connections, and a client that
 * reuses one at that instant gets a closed socket (browsers retry such idempotent requests; undici's fetch does not).
 */
export function getFresh(url: string, timeoutMs = 5000): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
