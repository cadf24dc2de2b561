import { setTimeout as delay } from 'node:timers/promises';

/**
 * A plain pause. (A loop's pause that a shutdown must be able to cut short wants WakeableSleep.) Node's promise
 * timer, not jest's fakes: a test drives code that sleeps by injecting its own sleep, as the callers allow.
 */
export function sleep(ms: number): Promise<void> {
  return delay(ms);
}

/**
 * `p`, or an Error "<what>: no answer within <ms> ms" once `ms` have passed, so a wedged Consul agent cannot
 * hang a service or a lab script. The timer is not unref'd: when nothing else keeps the process alive, the
 * deadline still fires and says what did not answer, instead of the process ending silently (which is why
 * this is not AbortSignal.timeout(): its timer is unref'd).
 */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
