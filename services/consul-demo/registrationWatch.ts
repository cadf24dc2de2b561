import { errorMessage } from '../shared/errors';
import type { Logger } from '../shared/logger';

/*
 * Anti-entropy for one registration, the same idea as workshop-api's keepRegistered (services/workshop-api/
 * registration.ts), written against two callbacks so that it does not depend on how a service registers.
 * A candidate for services/shared once both services use it.
 */

export interface RegistrationWatchOptions {
  /** Does the local agent still hold the registration? Throws when the agent cannot be asked. */
  isRegistered: () => Promise<boolean>;
  register: () => Promise<void>;
  /** Between checks. */
  intervalMs: number;
  logger: Logger;
  /** An error that retrying cannot fix (e.g. Consul refuses the registration): the watch stops and reports it. */
  isPermanent?: (err: unknown) => boolean;
  onPermanentError?: (err: unknown) => void;
  /**
   * An agent restart takes a second or two: say "cannot reach the agent" only once it has been away this long,
   * so that a quick restart shows as the one "registered again" line.
   */
  quietMs?: number;
  now?: () => number;
}

export interface RegistrationWatch {
  /** No check or re-registration after this resolves (it waits for one in flight): deregister after it. */
  stop(): Promise<void>;
}

/**
 * Every `intervalMs`, ask the local agent whether it still holds the registration, and register again if not.
 * An agent that restarted without its data (a dev agent, a recreated container without a volume) forgets
 * services registered through its API; without this, a server that never restarts stayed invisible forever.
 * One log line per re-registration; one when the agent has been unreachable for `quietMs`, one when it is back.
 */
export function watchRegistration(opts: RegistrationWatchOptions): RegistrationWatch {
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
        if (saidUnreachable) opts.logger.info('Consul agent reachable again; registration present', { unreachableForMs: outageMs });
      } else {
        await opts.register();
        opts.logger.warn('registration was missing from the local agent (restarted without its data?); registered again', {
          ...(outageMs === undefined ? {} : { agentUnreachableForMs: outageMs }),
        });
      }
      unreachableSince = undefined;
      saidUnreachable = false;
    } catch (err) {
      if (stopped) return;
      if (opts.isPermanent?.(err)) {
        stopped = true;
        // Not awaited: the handler stops the server, which stops this watch and waits for this very tick.
        opts.onPermanentError?.(err);
        return;
      }
      unreachableSince ??= now();
      if (!saidUnreachable && now() - unreachableSince >= quietMs) {
        opts.logger.warn('cannot check our registration with the Consul agent; will keep trying', { error: errorMessage(err), forMs: now() - unreachableSince });
        saidUnreachable = true;
      }
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = tick().finally(() => {
        current = undefined;
        schedule();
      });
    }, opts.intervalMs);
    // The listener keeps the process alive, not this.
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
