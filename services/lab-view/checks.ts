/*
 * The checklist panel's data: what a provider says about the exercises. In the lab that is labChecks.ts (the
 * checks of `npm run lab:check`); tests may plug in their own. The result shape is the shared one.
 */
import { withTimeout } from '../shared/async';
import type { ConsulClient } from '../shared/consul/client';
import type { ExerciseResult } from '../exercises';

export type { CheckResult, ExerciseResult } from '../exercises';

/** Asked (through sharedChecks) for GET /api/checks; a throw becomes HTTP 500 with its one-line message. */
export type ChecksProvider = (consul: ConsulClient) => Promise<ExerciseResult[]>;

export const emptyChecksProvider: ChecksProvider = async () => [];

export interface SharedChecksOptions {
  /** How long one run's outcome (result or error) is served to every viewer (3 s: pages poll every 5 s). */
  ttlMs?: number;
  /** A run that takes longer fails with "checks: no answer within …" (10 s). */
  timeoutMs?: number;
  /** For tests. */
  now?: () => number;
}

/**
 * The provider behind one shared run: a full check is a dozen HTTP reads, and every open page polls it. So at
 * most one run is in flight (concurrent callers join it), and its outcome is reused for `ttlMs` by everyone.
 * A failure is cached too, so an unreachable Consul is not asked again by each page. The `consul` argument is
 * the same client for the whole process, which is why it is not part of the cache key.
 */
export function sharedChecks(provider: ChecksProvider, opts: SharedChecksOptions = {}): ChecksProvider {
  const ttlMs = opts.ttlMs ?? 3000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const now = opts.now ?? Date.now;
  let inFlight: Promise<ExerciseResult[]> | undefined;
  let cached: { at: number; result: Promise<ExerciseResult[]> } | undefined;
  return (consul) => {
    if (inFlight) return inFlight;
    if (cached && now() - cached.at < ttlMs) return cached.result;
    const run = withTimeout(provider(consul), timeoutMs, 'checks');
    inFlight = run;
    // Keep the settled promise (not its value) so a cached failure rejects again for each caller.
    const settle = (): void => {
      inFlight = undefined;
      cached = { at: now(), result: run };
    };
    run.then(settle, settle);
    return run;
  };
}
