import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, toolPath } from './paths';
import { freePort } from './ports';

/**
 * The lab's three templates rendered ONCE by the real consul-template (`-once`) into a private nginx prefix that
 * mirrors the work dir run.sh builds (conf/nginx.conf, conf/runtime-server.conf, conf/rendered/, html/), and
 * checked with the real `nginx -t`. For tests that need many renders quickly (property tests): no running
 * nginx, no quiescence wait, no reload; the rendered text is exactly what the running side would stage.
 */
export interface OnceRenderer {
  dir: string;
  /** Render all three templates from Consul now. Throws (with consul-template's output) if it fails. */
  render(): Promise<void>;
  upstreams(): string;
  locations(): string;
  page(): string;
  /** `nginx -t` on the rendered config, as apply-render.sh runs it. */
  nginxTest(): Promise<{ ok: boolean; output: string }>;
  remove(): void;
}

interface RunResult {
  code: number;
  output: string;
}

/** execFile with a hard timeout: on expiry the child is SIGKILLed by pid (node does that), never left running. */
function run(cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      const why = err && err.killed ? `\n(killed after ${timeoutMs} ms)` : '';
      resolve({ code, output: `${stdout}${stderr}${why}` });
    });
  });
}

const TEMPLATES = ['upstreams.conf', 'locations.conf', 'index.html'] as const;

export async function createOnceRenderer(consulHttpAddr: string): Promise<OnceRenderer> {
  const consulTemplate = toolPath('consul-template');
  const nginx = toolPath('nginx');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lab-render-'));
  for (const d of ['conf/rendered', 'html', 'temp']) mkdirSync(path.join(dir, d), { recursive: true });
  copyFileSync(path.join(REPO_ROOT, 'nginx', 'nginx.conf'), path.join(dir, 'conf', 'nginx.conf'));
  // `nginx -t` never binds, but the listen line must be a valid one; a free loopback port keeps it honest.
  writeFileSync(path.join(dir, 'conf', 'runtime-server.conf'), `listen 127.0.0.1:${await freePort()};\naccess_log off;\n`);
  const dest: Record<(typeof TEMPLATES)[number], string> = {
    'upstreams.conf': path.join(dir, 'conf', 'rendered', 'upstreams.conf'),
    'locations.conf': path.join(dir, 'conf', 'rendered', 'locations.conf'),
    'index.html': path.join(dir, 'html', 'index.html'),
  };
  return {
    dir,
    async render() {
      // Remove the previous output first: a failed render must not leave the last run's files to be checked.
      for (const t of TEMPLATES) rmSync(dest[t], { force: true });
      const args = ['-consul-addr', consulHttpAddr, '-once', '-log-level', 'warn'];
      for (const t of TEMPLATES) args.push('-template', `${path.join(REPO_ROOT, 'nginx', 'templates', `${t}.ctmpl`)}:${dest[t]}`);
      const r = await run(consulTemplate, args, 20_000);
      if (r.code !== 0) throw new Error(`consul-template -once failed (exit ${r.code}):\n${r.output}`);
    },
    upstreams: () => readFileSync(dest['upstreams.conf'], 'utf8'),
    locations: () => readFileSync(dest['locations.conf'], 'utf8'),
    page: () => readFileSync(dest['index.html'], 'utf8'),
    async nginxTest() {
      const r = await run(nginx, ['-t', '-q', '-p', `${dir}/`, '-c', path.join(dir, 'conf', 'nginx.conf'), '-e', 'stderr'], 15_000);
      return { ok: r.code === 0, output: r.output };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
