import { spawn } from 'node:child_process';
import { findRepoRoot } from '../../../services/shared/repoRoot';
import { CONFIG_FILES_LABEL, ENV_FILES_LABEL, WORKING_DIR_LABEL } from './labServices';

/** The repo root, where docker-compose.yml lives (from src and from dist/ alike); the cwd when there is none. */
export function repoRoot(): string {
  return findRepoRoot(__dirname) ?? process.cwd();
}

/**
 * The lab's Compose profiles: `registrator` (exercise 6: the registrator, the only container with the Docker
 * socket, and the instance it registers) starts only when asked (`lab:up -- --registrator`).
 */
export const REGISTRATOR_PROFILE = 'registrator';
/** The workshop-api instance the registrator registers from its labels (api-b3, started with --no-register). */
export const REGISTRATOR_API_SERVICE = 'workshop-api-b3';
/** The profile's services (docker-compose.yml), dependents first. */
export const REGISTRATOR_SERVICES: readonly string[] = [REGISTRATOR_API_SERVICE, 'registrator'];

/** Exercise 8's second datacenter (`lab:up -- --datacenters 2`): its server, host-c, its agent and instances. */
export const DC2_PROFILE = 'dc2';
/** The profile's services (docker-compose.yml), dependents first. */
export const DC2_SERVICES: readonly string[] = ['dc2-api-1', 'dc2-api-2', 'host-c-agent', 'host-c', 'dc2-server-1'];

/** The lab's optional profiles: what each holds (dependents first) and what lab:up says when it stops them. */
export const OPTIONAL_PROFILES: ReadonlyArray<{
  profile: string;
  services: readonly string[];
  what: string;
  /** Compose args run once its services are gone, and what a failure of it means (said, not fatal). */
  afterStop?: { args: readonly string[]; failed: string };
}> = [
  { profile: REGISTRATOR_PROFILE, services: REGISTRATOR_SERVICES, what: 'the registrator (exercise 6) and api-b3' },
  {
    profile: DC2_PROFILE,
    services: DC2_SERVICES,
    what: 'the second datacenter (exercise 8)',
    // dc2's server does not leave on stop (a server never does in this lab): without this, dc1 keeps listing dc2 as a
    // failed WAN member for 72 h, and exercise 8's check would see a dc2 it cannot reach.
    afterStop: {
      args: ['exec', '-T', 'consul-server-1', 'consul', 'force-leave', '-prune', '-wan', 'dc2-server-1.dc2'],
      failed:
        'dc1 still lists dc2 (a failed WAN member) until Consul reaps it; `docker compose exec consul-server-1 consul force-leave -prune -wan dc2-server-1.dc2` removes it',
    },
  },
];

/** Before `down`: every profile, since `down` alone leaves a profile's running containers (and the network they hold). */
export const ALL_PROFILES = ['--profile', '*'] as const;

export interface ComposeResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ComposeOptions {
  project: string;
  /** e.g. .env.offline (relative to the repo root). */
  envFile?: string;
  /** Files and env files a running lab was started with (see composeContextFromLabels). */
  context?: ComposeContext;
  /** Called with each output line as it arrives (Compose writes progress to stderr). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  cwd?: string;
  /** Extra environment for Compose's interpolation (e.g. the running lab's LAB_* values). */
  env?: Record<string, string>;
}

export class ComposeError extends Error {
  override name = 'ComposeError';
}

export function composeArgs(args: string[], opts: Pick<ComposeOptions, 'project' | 'envFile' | 'context'>): string[] {
  return [
    'compose',
    '-p',
    opts.project,
    ...(opts.context ? contextArgs(opts.context) : []),
    ...(opts.envFile ? ['--env-file', opts.envFile] : []),
    ...args,
  ];
}

/**
 * `docker compose ...` for what needs Compose semantics (up with depends_on, scale, down).
 * Everything else talks to the engine through dockerode.
 */
export function runCompose(args: string[], opts: ComposeOptions): Promise<ComposeResult> {
  const full = composeArgs(args, opts);
  return new Promise((resolve, reject) => {
    const child = spawn('docker', full, {
      cwd: opts.cwd ?? repoRoot(),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    const out = { stdout: '', stderr: '' };
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = '';
      child[stream].setEncoding('utf8');
      child[stream].on('data', (chunk: string) => {
        out[stream] += chunk;
        const lines = (partial + chunk).split(/\r?\n/);
        partial = lines.pop() ?? '';
        for (const l of lines) if (l.trim()) opts.onLine?.(l, stream);
      });
    }
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(
        new ComposeError(
          err.code === 'ENOENT'
            ? 'the `docker` command is not installed: install Docker with Compose v2'
            : `docker compose: ${err.message}`,
        ),
      );
    });
    child.on('close', (code) => {
      if (/is not a docker command|unknown command "compose"/i.test(out.stderr)) {
        reject(new ComposeError('`docker compose` (Compose v2) is not available: install the Compose plugin (Docker Desktop has it)'));
        return;
      }
      resolve({ code: code ?? 1, ...out });
    });
  });
}

/** The most useful line of a failed Compose run's output, for a one-line error. */
export function composeFailureLine(result: ComposeResult): string {
  const lines = (result.stderr + '\n' + result.stdout)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  // Compose prints per-service "Warning"/"Error" lines, then the daemon's verdict ("Error response from daemon: ...").
  return (
    [...lines].reverse().find((l) => /^error\b/i.test(l)) ??
    lines.find((l) => /\bError\b/.test(l)) ??
    lines.find((l) => /error|denied|not found|no such|failed|invalid|required/i.test(l)) ??
    lines[lines.length - 1] ??
    `exit code ${result.code}`
  );
}

/** How Compose started a running lab, from the labels it puts on every container. */
export interface ComposeContext {
  workingDir?: string;
  configFiles: string[];
  envFiles: string[];
}

const splitList = (v: string | undefined): string[] =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

/**
 * Read the compose files, working dir and env files a running lab was started with, so commands that
 * call Compose again (scale) use the same images (.env.offline or .env) instead of re-resolving them.
 */
export function composeContextFromLabels(labels: Record<string, string>): ComposeContext {
  return {
    workingDir: labels[WORKING_DIR_LABEL] || undefined,
    configFiles: splitList(labels[CONFIG_FILES_LABEL]),
    envFiles: splitList(labels[ENV_FILES_LABEL]),
  };
}

/** Compose flags that reproduce a context: -f for each file, --project-directory, --env-file for each env file. */
export function contextArgs(ctx: ComposeContext): string[] {
  const args: string[] = [];
  for (const f of ctx.configFiles) args.push('-f', f);
  if (ctx.workingDir) args.push('--project-directory', ctx.workingDir);
  for (const e of ctx.envFiles) args.push('--env-file', e);
  return args;
}
