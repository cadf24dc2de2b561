import { formatSeconds } from './table';

/** Writes progress lines stamped with the seconds since the command started: "  [  3.2 s] text". */
export class Progress {
  private readonly started: number;
  constructor(
    private readonly write: (line: string) => void = (l) => process.stdout.write(l + '\n'),
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  elapsedMs(): number {
    return this.now() - this.started;
  }

  line(text: string): void {
    this.lineAt(this.elapsedMs(), text);
  }

  /** A line stamped with a time measured elsewhere (e.g. a timeline's), so both agree. */
  lineAt(ms: number, text: string): void {
    this.write(`  [${formatSeconds(ms).padStart(7)}] ${text}`);
  }
}
