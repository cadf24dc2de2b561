/*
 * Join-code checks, throttled per client address (issue 18). The code is ~37.6 bits (3 words of 128 + 5 digits), so
 * a delay is all the protection it needs: checks from one address are made one at a time, and each WRONG code pushes
 * that address's next check 1 s further, so one address makes at most ~1 guess a second however many connections it
 * opens (~3,000 years on average for the code). A right code is never held back by a limit: it only waits for the
 * checks queued ahead of it. A whole room behind one NAT shares an address, which is why nothing here is a lockout.
 *
 * Past a backlog of ~30 s (someone hammering) a request is refused with a Retry-After WITHOUT its code being looked
 * at: deciding by the code would tell a guesser, at once, whether its code was right. Memory is bounded: an address
 * is tracked only while it has checks queued or a delay running, and at most `maxTracked` addresses are.
 */

export interface CodeThrottleOptions {
  /** How much further each wrong code pushes its address's next check (default 1 s). */
  penaltyMs?: number;
  /** Refuse (429) when the checks queued for an address could take this long (default 30 s). */
  maxBacklogMs?: number;
  /** At most this many addresses tracked (default 10,000). */
  maxTracked?: number;
  now?: () => number;
  /** Runs `fn` after `ms` (a fake clock in tests). */
  setTimer?: (fn: () => void, ms: number) => void;
}

export type CheckOutcome =
  | { kind: 'right' }
  | { kind: 'wrong' }
  /** Not checked: `backlog` = this address's queue is too long; `full` = too many addresses tracked. */
  | { kind: 'refused'; reason: 'backlog' | 'full'; retryAfterSecs: number };

export interface CodeThrottle {
  /**
   * Waits for `address`'s turn, then calls `isRight` (the constant-time comparison) and says what it found; or says
   * `refused` at once, without calling `isRight`.
   */
  check(address: string, isRight: () => boolean): Promise<CheckOutcome>;
  /** How many addresses are tracked (for tests). */
  readonly size: number;
}

/** The most a check admitted by a throttle with these options can wait (clients must wait at least this long). */
export function maxCheckWaitMs(opts: Pick<CodeThrottleOptions, 'penaltyMs' | 'maxBacklogMs'> = {}): number {
  return (opts.maxBacklogMs ?? 30_000) + (opts.penaltyMs ?? 1000);
}

interface Waiting {
  isRight: () => boolean;
  resolve: (o: CheckOutcome) => void;
}

interface Entry {
  /** No check before this time. */
  nextAllowed: number;
  queue: Waiting[];
  timer: boolean;
}

const defaultTimer = (fn: () => void, ms: number): void => {
  // unref: a pending delay never keeps the process (or a test) alive.
  setTimeout(fn, ms).unref();
};

export function codeThrottle(opts: CodeThrottleOptions = {}): CodeThrottle {
  const penaltyMs = opts.penaltyMs ?? 1000;
  const maxBacklogMs = opts.maxBacklogMs ?? 30_000;
  const maxTracked = opts.maxTracked ?? 10_000;
  const now = opts.now ?? Date.now;
  const setTimer = opts.setTimer ?? defaultTimer;
  const entries = new Map<string, Entry>();

  /** Checks `address`'s queue as far as its delay allows; forgets the address once it has neither queue nor delay. */
  const drain = (address: string, e: Entry): void => {
    // An entry evicted while its timer ran is no longer the address's.
    if (e.timer || entries.get(address) !== e) return;
    for (;;) {
      const t = now();
      if (t < e.nextAllowed) {
        e.timer = true;
        setTimer(() => {
          e.timer = false;
          drain(address, e);
        }, e.nextAllowed - t);
        return;
      }
      const head = e.queue.shift();
      if (!head) {
        entries.delete(address);
        return;
      }
      let right = false;
      try {
        right = head.isRight();
      } catch {
        // A comparison that throws is no right code.
      }
      if (!right) e.nextAllowed = Math.max(e.nextAllowed, t) + penaltyMs;
      head.resolve({ kind: right ? 'right' : 'wrong' });
    }
  };

  /** Room for one more address: the oldest address with nothing queued is forgotten (its delay with it). */
  const makeRoom = (): boolean => {
    if (entries.size < maxTracked) return true;
    for (const [address, e] of entries) {
      if (e.queue.length === 0) {
        entries.delete(address);
        return true;
      }
    }
    return false;
  };

  return {
    check(address, isRight) {
      const t = now();
      let e = entries.get(address);
      if (!e) {
        if (!makeRoom()) return Promise.resolve({ kind: 'refused', reason: 'full', retryAfterSecs: 1 });
        e = { nextAllowed: t, queue: [], timer: false };
        entries.set(address, e);
      }
      // Worst case: every check queued ahead is wrong. Nothing here depends on the codes themselves.
      const backlog = Math.max(0, e.nextAllowed - t) + e.queue.length * penaltyMs;
      if (backlog >= maxBacklogMs) {
        return Promise.resolve({
          kind: 'refused',
          reason: 'backlog',
          retryAfterSecs: Math.max(1, Math.ceil((backlog - maxBacklogMs) / 1000)),
        });
      }
      const entry = e;
      return new Promise<CheckOutcome>((resolve) => {
        entry.queue.push({ isRight, resolve });
        drain(address, entry);
      });
    },
    get size() {
      return entries.size;
    },
  };
}

/**
 * Says (true, once per process) when right codes for `threshold` different names came from ONE address: the whole
 * room is behind one NAT (or Docker Desktop's port forwarding), so wrong codes from one student slow down all.
 * Bounded: at most `maxTracked` addresses, `threshold` names each.
 */
export function sharedAddressWatch(threshold = 3, maxTracked = 1000): (address: string, name: string) => boolean {
  let said = false;
  const names = new Map<string, Set<string>>();
  return (address, name) => {
    if (said) return false;
    let set = names.get(address);
    if (!set) {
      if (names.size >= maxTracked) names.delete(names.keys().next().value!);
      set = new Set();
      names.set(address, set);
    }
    set.add(name.toLowerCase());
    if (set.size < threshold) return false;
    said = true;
    names.clear();
    return true;
  };
}
