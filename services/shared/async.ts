/** A plain pause. (A loop's pause that a shutdown must be able to cut short wants WakeableSleep.) */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * `p`, or an Error "<what>: no answer within <ms> ms" once `ms` have passed, so a wedged Consul agent cannot
 * hang a service or a lab script. The timer is not unref'd: when nothing else keeps the process alive, the
 * deadline still fires and says what did not answer, instead of the process ending silently.
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
