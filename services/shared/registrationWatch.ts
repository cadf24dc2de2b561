import { consulErrorText } from './consul/errors';
import type { Logger } from './logger';

/** The lines a watch writes; each service keeps its own words (its README and tests quote them). */
export interface RegistrationWatchWording {
  /** warn: the registration was missing and has been registered again. */
  reregistered: string;
  /** The field of that line that says how long the agent had been unreachable before (when it had been). */
  outageField: string;
  /** warn, once per outage: the agent has not answered for `quietMs`. */
  unreachable: string;
  /** info: the agent answers again after an outage that was said, and still holds the registration. */
  reachableAgain: string;
}

const DEFAULT_WORDING: RegistrationWatchWording = {
  reregistered: 'registration was missing from the local agent (restarted without its data?); registered again',
  outageField: 'agentUnreachableForMs',
  unreachable: 'cannot check our registration with the Consul agent; will keep trying',
  reachableAgain: 'Consul agent reachable again; registration present',
};

export interface RegistrationWatchOptions {
  /** Does the local agent still hold the registration? Throws when the agent cannot be asked. */
  isRegistered: () => Promise<boolean>;
  register: () => Promise<void>;
  /** Between checks; 0 = no watch at all. */
  intervalMs: number;
  logger: Logger;
  wording?: Partial<RegistrationWatchWording>;
  /** An error that retrying cannot fix (e.g. Consul refuses the registration): the watch stops and hands it over. */
  isPermanent?: (err: unknown) => boolean;
  onPermanentError?: (err: unknown) => void;
  /**
   * An agent restart takes a second or two: say "cannot reach the agent" only once it has been away this long,
   * so that a quick restart shows as the one "registered again" line. 5 s by default.
   */
  quietMs?: number;
  now?: () => number;
}

export interface RegistrationWatch {
  /** No check or re-registration after this resolves (it waits for one in flight): deregister after it. */
  stop(): Promise<void>;
}

/**
 * Anti-entropy for one registration: every `intervalMs`, ask the local agent whether it still holds the
 * registration, and register again if not. An agent that restarted without its data (a dev agent, a recreated
 * container without a volume) forgets services registered through its API; without this, an instance stayed
 * invisible until it restarted itself. One log line per re-registration (also after a short outage); one when
 * the agent has been unreachable for `quietMs`, one when it is back. A failed re-registration counts as the
 * agent being unreachable. Written against two callbacks, so it does not depend on how a service registers.
 */
export function watchRegistration(opts: RegistrationWatchOptions): RegistrationWatch {
  if (opts.intervalMs <= 0) return { stop: async () => undefined };
  const words = { ...DEFAULT_WORDING, ...opts.wording };
  const now = opts.now ?? Date.now;
  const quietMs = opts.quietMs ?? 5000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let unreachableSince: number | undefined;
  let saidUnreachable = false;

  const tick = async (): Promise<void> => {
    try {
      const present = await opts.isRegistered();
      if (stopped) return;
      const outageMs = unreachableSince === undefined ? undefined : now() - unreachableSince;
      if (present) {
        if (saidUnreachable) opts.logger.info(words.reachableAgain, { unreachableForMs: outageMs });
      } else {
        await opts.register();
        opts.logger.warn(words.reregistered, outageMs === undefined ? {} : { [words.outageField]: outageMs });
      }
      unreachableSince = undefined;
      saidUnreachable = false;
    } catch (err) {
      if (stopped) return;
      if (opts.isPermanent?.(err)) {
        stopped = true;
        // Not awaited: the handler may stop the service, which stops this watch and waits for this very tick.
        opts.onPermanentError?.(err);
        return;
      }
      unreachableSince ??= now();
      if (!saidUnreachable && now() - unreachableSince >= quietMs) {
        opts.logger.warn(words.unreachable, { error: consulErrorText(err), forMs: now() - unreachableSince });
        saidUnreachable = true;
      }
    }
  };

  // One check at a time: the next is scheduled when the last has ended, so a slow agent never piles them up.
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = tick().finally(() => {
        current = undefined;
        schedule();
      });
    }, opts.intervalMs);
    // What the service serves keeps the process alive, not this.
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
