import { spawn } from 'node:child_process';

/**
 * Run a program to its end, handing each non-empty line of its stdout and stderr to `onLine` as it arrives
 * (the slow set-up steps show their progress this way). Resolves with the exit code and the last `keep`
 * lines, which is what a one-line error is made from.
 */
export async function spawnLines(
  cmd: string,
  args: string[],
  opts: { cwd?: string; keep: number; onLine?: (line: string) => void },
): Promise<{ code: number | null; tail: string[] }> {
  const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const take = (d: Buffer): void => {
    for (const line of d.toString().split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > opts.keep) tail.shift();
      opts.onLine?.(line);
    }
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  return { code, tail };
}
