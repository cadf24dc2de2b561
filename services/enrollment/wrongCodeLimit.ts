/*
 * A limit on WRONG join-code attempts per client IP, so the ~24-bit code cannot be guessed by brute force. Only
 * failures count (a room of students behind one NAT, each with the right code, is never held back); memory is
 * bounded: at most `maxTracked` IPs, each forgotten once its window has passed.
 */

export interface WrongCodeLimitOptions {
  /** Wrong attempts allowed per IP per window (the next one is refused until the window ends). */
  limit?: number;
  windowMs?: number;
  /** At most this many IPs are tracked; past it the oldest window is forgotten first. */
  maxTracked?: number;
  now?: () => number;
}

export interface WrongCodeLimit {
  /** 0 when `ip` may try a code now, else the seconds until it may (for Retry-After). */
  retryAfter(ip: string): number;
  /** Counts a wrong code from `ip`. */
  wrong(ip: string): void;
  /** How many IPs are tracked (for tests). */
  readonly size: number;
}

export function wrongCodeLimit(opts: WrongCodeLimitOptions = {}): WrongCodeLimit {
  const limit = opts.limit ?? 10;
  const windowMs = opts.windowMs ?? 60_000;
  const maxTracked = opts.maxTracked ?? 10_000;
  const now = opts.now ?? Date.now;
  // Insertion order is window-start order (an entry is re-inserted when its window restarts): the first is the oldest.
  const byIp = new Map<string, { start: number; count: number }>();

  const expire = (t: number): void => {
    for (const [ip, e] of byIp) {
      if (t - e.start < windowMs) break;
      byIp.delete(ip);
    }
  };

  return {
    retryAfter(ip) {
      const t = now();
      expire(t);
      const e = byIp.get(ip);
      if (!e || e.count < limit) return 0;
      return Math.max(1, Math.ceil((e.start + windowMs - t) / 1000));
    },
    wrong(ip) {
      const t = now();
      expire(t);
      const e = byIp.get(ip);
      if (e) {
        e.count++;
        return;
      }
      while (byIp.size >= maxTracked) byIp.delete(byIp.keys().next().value!);
      byIp.set(ip, { start: t, count: 1 });
    },
    get size() {
      return byIp.size;
    },
  };
}
