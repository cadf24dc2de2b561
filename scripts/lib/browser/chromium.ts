/*
 * Debian's chromium for the lab view's browser tests and the screenshots (puppeteer-core drives it; no browser
 * is ever downloaded by npm). Found on PATH or at CHROMIUM_PATH; when missing and this is a root shell with apt,
 * installed with `apt-get install -y chromium` (scripts/tools/install-tools.sh does the same for `npm test`).
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

const NAMES = ['chromium', 'chromium-browser'];

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH) return executable(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of NAMES) {
      const p = path.join(dir, name);
      if (executable(p)) return p;
    }
  }
  return undefined;
}

/** The chromium binary, installed first if need be; throws one line saying what to run when it cannot. */
export function ensureChromium(log: (line: string) => void = (l) => process.stderr.write(l + '\n')): string {
  const found = findChromium();
  if (found) return found;
  if (process.getuid?.() !== 0 || !executable('/usr/bin/apt-get')) {
    throw new Error('chromium not found (PATH or CHROMIUM_PATH): install it with "apt-get install -y chromium" (as root)');
  }
  log('chromium not found: installing it with "apt-get install -y chromium" (a few minutes, once)');
  const apt = (args: string[]): void => {
    execFileSync('apt-get', args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 15 * 60_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  };
  try {
    apt(['install', '-y', '--no-install-recommends', 'chromium']);
  } catch {
    // A fresh machine may not have package lists yet.
    apt(['update']);
    apt(['install', '-y', '--no-install-recommends', 'chromium']);
  }
  const installed = findChromium();
  if (!installed) throw new Error('apt-get installed chromium but no chromium binary is on PATH');
  return installed;
}
