import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

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
  const emit = (line: string): void => {
    if (!line.trim()) return;
    tail.push(line);
    if (tail.length > opts.keep) tail.shift();
    opts.onLine?.(line);
  };
  // A chunk can end mid-line: each stream keeps its unfinished last line for its next chunk, and
  // hands it over at the end (a last line need not end with '\n').
  const lines = (stream: Readable): (() => void) => {
    let rest = '';
    stream.setEncoding('utf8'); // a multi-byte character split across chunks stays whole
    stream.on('data', (d: string) => {
      const parts = (rest + d).split('\n');
      rest = parts.pop() ?? '';
      parts.forEach(emit);
    });
    return () => {
      emit(rest);
      rest = '';
    };
  };
  const flushOut = lines(child.stdout);
  const flushErr = lines(child.stderr);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    // 'close', not 'exit': 'exit' can come before the pipes are drained, losing the last lines (the error).
    child.on('close', (c: number | null) => {
      flushOut();
      flushErr();
      resolve(c);
    });
  });
  return { code, tail };
}
