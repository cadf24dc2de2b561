/**
 * An ExperimentIO for unit tests: a clock that only moves when the experiment sleeps (or the test says so) and a
 * printer that keeps what was written, so a test drives an experiment's timeouts and reads its output exactly.
 */
import type { ExperimentIO } from './engine';

export interface FakeIO {
  io: ExperimentIO;
  /** Everything written so far, as one string. */
  output: () => string;
  /** Move the clock (an action or a Docker call that takes a while). */
  advance: (ms: number) => void;
}

export function fakeIO(startMs = 1_000_000): FakeIO {
  let t = startMs;
  const out: string[] = [];
  return {
    io: {
      now: () => t,
      sleep: async (ms) => {
        t += ms;
      },
      write: (text) => void out.push(text),
    },
    output: () => out.join(''),
    advance: (ms) => {
      t += ms;
    },
  };
}

/** The texts of the progress lines ("  [  0.3 s] text") in an output, in order. */
export function progressTexts(output: string): string[] {
  return [...output.matchAll(/^ {2}\[ *\d+\.\d s\] (.*)$/gm)].map((m) => m[1]!);
}
