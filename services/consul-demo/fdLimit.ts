import { readFileSync } from 'node:fs';

/**
 * The process's soft limit on open files (`ulimit -n`), from /proc/self/limits; undefined where that file
 * does not exist (not Linux) or says unlimited. Node has no getrlimit(), and this is what decides how many
 * connections the server can hold: past it, accept() fails with EMFILE and libuv closes the new connection
 * without telling us (its "EMFILE trick"), so clients were reset with nothing logged.
 */
export function openFileLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  let text: string;
  try {
    text = read();
  } catch {
    return undefined;
  }
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  if (!m || m[1] === 'unlimited') return undefined;
  return Number(m[1]);
}

/**
 * File descriptors kept free for everything but client connections: stdio, the listener (two during a
 * restart), libuv's own (epoll, signal pipe, the EMFILE reserve), the Consul client's keep-alive sockets,
 * and refused connections on their way out.
 */
export const FD_RESERVE = 64;

/** The connection cap that fits the open-file limit: the requested one, or fewer (never below 1). */
export function connectionCapFor(requested: number, fdLimit: number | undefined): number {
  if (fdLimit === undefined) return requested;
  return Math.max(1, Math.min(requested, fdLimit - FD_RESERVE));
}
