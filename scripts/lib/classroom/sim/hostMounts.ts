// What a simulated machine borrows from this one, read-only: the repo (at /lab, with dist/ built), this
// process's node binary and the Compose v2 plugin the host's `docker compose` uses. Borrowing rather than
// installing keeps the machine image small and the versions identical to the host's.
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COMPOSE_PLUGIN_IN_MACHINE, LAB_IN_MACHINE, NODE_IN_MACHINE } from './layout';

/** Where the docker CLI looks for plugins, in its order (user dir first). */
export function composePluginCandidates(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string[] {
  const userDir = env.DOCKER_CONFIG ? path.join(env.DOCKER_CONFIG, 'cli-plugins') : path.join(home, '.docker', 'cli-plugins');
  return [
    userDir,
    '/usr/local/lib/docker/cli-plugins',
    '/usr/local/libexec/docker/cli-plugins',
    '/usr/lib/docker/cli-plugins',
    '/usr/libexec/docker/cli-plugins',
  ].map((dir) => path.join(dir, 'docker-compose'));
}

/** The Compose v2 plugin binary (symlinks resolved), or a one-line error saying what to install. */
export function findComposePlugin(candidates: string[] = composePluginCandidates()): string {
  for (const p of candidates) {
    if (existsSync(p) && statSync(p).isFile()) return realpathSync(p);
  }
  throw new Error(
    `the Docker Compose v2 plugin was not found (looked in ${candidates.map((c) => path.dirname(c)).join(', ')}); ` +
      'install it (bash scripts/tools/install-tools.sh --docker) so `docker compose version` works',
  );
}

/**
 * Top-level symlinks of the repo that point outside it (a worktree's node_modules, .tools): mounted at their
 * target path too, so the symlink inside /lab resolves in the machine.
 */
export function outsideSymlinkTargets(repoRoot: string): string[] {
  const root = realpathSync(repoRoot);
  const out: string[] = [];
  for (const entry of readdirSync(repoRoot)) {
    const p = path.join(repoRoot, entry);
    if (!lstatSync(p).isSymbolicLink()) continue;
    let target: string;
    try {
      target = realpathSync(p);
    } catch {
      continue; // dangling: nothing to mount
    }
    if (target !== root && !target.startsWith(root + path.sep)) out.push(target);
  }
  return out.sort();
}

/** The bind mounts (docker `Binds` syntax) every machine gets. */
export function machineBinds(repoRoot: string, nodeBinary: string, composePlugin: string): string[] {
  return [
    `${repoRoot}:${LAB_IN_MACHINE}:ro`,
    ...outsideSymlinkTargets(repoRoot).map((t) => `${t}:${t}:ro`),
    `${nodeBinary}:${NODE_IN_MACHINE}:ro`,
    `${composePlugin}:${COMPOSE_PLUGIN_IN_MACHINE}:ro`,
    // The machine's dockerd makes cgroups for its containers (LAB-NOTES: Docker in Docker on this host).
    '/sys/fs/cgroup:/sys/fs/cgroup:rw',
  ];
}

/** What must be true on the host before any machine starts; one line each. */
export const REQUIRED_BUILD = ['dist/scripts/lab-up.js', 'dist/scripts/lab-join.js', 'dist/scripts/lib/classroom/sim/githubStandin.js'];

export function checkHost(repoRoot: string, platform: NodeJS.Platform = process.platform, required: string[] = REQUIRED_BUILD): void {
  if (platform !== 'linux')
    throw new Error('classroom:sim needs a Linux host: it lends its own node and Compose binaries to the simulated machines');
  for (const rel of required) {
    if (!existsSync(path.join(repoRoot, rel))) throw new Error(`${rel} not found: run "npm run build" first`);
  }
}
