/**
 * Run `teardown` exactly once: at the end of a run, on failure, or on the first SIGINT/SIGTERM (Ctrl-C), after
 * which the process exits 130. A second signal exits at once (the lab may be left; the message says how to remove it).
 */
export function teardownOnce(
  teardown: () => Promise<void>,
  say: (line: string) => void,
  leftoverHint: string,
): { run: () => Promise<void>; dispose: () => void } {
  let running: Promise<void> | undefined;
  const run = (): Promise<void> => (running ??= teardown());
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      say(`second ${signal}: exiting without waiting; remove what is left with: ${leftoverHint}`);
      process.exit(130);
    }
    signalled = true;
    say(`${signal}: taking the bench lab down (Ctrl-C again to skip)`);
    run().then(
      () => process.exit(130),
      (err: Error) => {
        say(`teardown failed: ${err.message}; remove what is left with: ${leftoverHint}`);
        process.exit(130);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    run,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
