import { Command } from 'commander';
import { consulDuration } from './duration';
import { countOption, durationOption, durationRangeHelp } from './cli';

const program = (): Command => new Command('x').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });

describe('durationOption', () => {
  test('parses to ms; the default is ms, shown as written; the long name is found after a short one', () => {
    const p = program().addOption(durationOption('-w, --watch <duration>', 'how long', 15_000));
    expect(p.parse(['node', 'x']).opts().watch).toBe(15_000);
    expect(
      program()
        .addOption(durationOption('-w, --watch <duration>', 'how long', 15_000))
        .parse(['node', 'x', '-w', '3m'])
        .opts().watch,
    ).toBe(180_000);
    expect(p.helpInformation()).toContain('how long (default: 15s)');
    expect(() =>
      program()
        .addOption(durationOption('-w, --watch <duration>', 'how long', 15_000))
        .parse(['node', 'x', '-w', 'soon']),
    ).toThrow(/--watch: expected a duration/);
  });

  test("a range is checked and shown; format, 0-meaning and env are the caller's", () => {
    const range = { minMs: 500, maxMs: 60_000, zeroAllowed: true };
    const p = program().addOption(
      durationOption('--every <duration>', 'check', 2000, { range, format: consulDuration, zeroMeans: 'never', env: 'X_EVERY' }),
    );
    expect(p.helpInformation()).toMatch(/check \[0 \(never\) or 500ms to 60s\] \(default: 2s, env:\s+X_EVERY\)/);
    expect(() =>
      program()
        .addOption(durationOption('--every <duration>', 'check', 2000, { range }))
        .parse(['node', 'x', '--every', '2m']),
    ).toThrow(/--every: "2m" is out of range/);
    expect(durationRangeHelp(range)).toBe('0 (off) or 500ms to 1m');
  });
});

test('countOption: the range in the help, and anything outside it refused naming the flag', () => {
  const p = program().addOption(countOption('--n <n>', 'how many', 3, { min: 1, max: 10 }));
  expect(p.helpInformation()).toMatch(/how many \[1 to 10\] \(default: 3\)/);
  expect(() =>
    program()
      .addOption(countOption('--n <n>', 'how many', 3, { min: 1, max: 10 }))
      .parse(['node', 'x', '--n', '11']),
  ).toThrow(/--n: expected a whole number from 1 to 10, got "11"/);
});
