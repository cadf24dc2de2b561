// A CommandIo for unit tests: a clock that only moves when the command sleeps (or the test says so), stdout and
// progress lines kept for assertions. In testdata/ so the build leaves it out.
import { Progress } from '../../term/progress';
import type { CommandIo } from '../commandIo';

export interface FakeCommandIo {
  io: CommandIo;
  /** What went to stdout through `out`, one entry per write. */
  out: string[];
  /** Progress lines as printed ("  [  1.0 s] text"). */
  progress: string[];
  /** Progress lines without their time stamp. */
  progressTexts(): string[];
  /** Everything the terminal showed, progress lines and `out` in the order written, as one string. */
  output(): string;
  /** Move the clock (an action or a Docker call that takes a while). */
  advance(ms: number): void;
}

export function fakeCommandIo(start = 0): FakeCommandIo {
  let t = start;
  // Both streams in order, as the live one interleaves them on stdout.
  const shown: string[] = [];
  const fake: FakeCommandIo = {
    out: [],
    progress: [],
    progressTexts: () => fake.progress.map((l) => l.replace(/^ {2}\[ *[\d.]+ s\] /, '')),
    output: () => shown.join(''),
    advance: (ms) => void (t += ms),
    io: {
      newProgress: () =>
        new Progress(
          (l) => {
            fake.progress.push(l);
            shown.push(`${l}\n`);
          },
          () => t,
        ),
      out: (text) => {
        fake.out.push(text);
        shown.push(text);
      },
      now: () => t,
      sleep: async (ms) => void (t += ms),
    },
  };
  return fake;
}
