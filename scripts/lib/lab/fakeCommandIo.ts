// A CommandIo for unit tests: a clock that only sleeps move, stdout and progress lines kept for assertions.
import { Progress } from '../term/progress';
import type { CommandIo } from './commandIo';

export interface FakeCommandIo {
  io: CommandIo;
  /** What went to stdout, one entry per write. */
  out: string[];
  /** Progress lines as printed ("  [  1.0 s] text"). */
  progress: string[];
  /** Progress lines without their time stamp. */
  progressTexts(): string[];
}

export function fakeCommandIo(start = 0): FakeCommandIo {
  let t = start;
  const fake: FakeCommandIo = {
    out: [],
    progress: [],
    progressTexts: () => fake.progress.map((l) => l.replace(/^ {2}\[ *[\d.]+ s\] /, '')),
    io: {
      newProgress: () =>
        new Progress(
          (l) => fake.progress.push(l),
          () => t,
        ),
      out: (text) => void fake.out.push(text),
      now: () => t,
      sleep: async (ms) => void (t += ms),
    },
  };
  return fake;
}
