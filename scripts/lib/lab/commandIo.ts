// What every long-running lab command needs from the terminal and the clock, as one injectable piece: the live one
// here, a fake one for unit tests in testdata/fakeCommandIo.ts. The experiment engine (../experiment/engine.ts) prints
// and keeps time through it too, so a command hands the same object to both.
import { sleep } from '../../../services/shared/async';
import { Progress } from '../term/progress';

export interface CommandIo {
  /** Started when the command's work starts: its clock is the "after N s" of the last line. */
  newProgress(): Progress;
  /** stdout. */
  out(text: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The terminal (stdout) and the real clock. */
export function liveCommandIo(): CommandIo {
  return {
    newProgress: () => new Progress(),
    out: (text) => process.stdout.write(text),
    now: Date.now,
    sleep,
  };
}
