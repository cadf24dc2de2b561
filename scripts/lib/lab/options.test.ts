import { Command } from 'commander';
import { durationOption } from './options';

describe('durationOption', () => {
  const program = (): Command => new Command('x').exitOverride().configureOutput({ writeErr: () => undefined }).addOption(durationOption('-w, --watch <duration>', 'how long', '15s'));

  it('defaults to the written duration in ms and shows it as written', () => {
    const p = program();
    p.parse([], { from: 'user' });
    expect(p.opts().watch).toBe(15_000);
    expect(p.helpInformation()).toContain('(default: 15s)');
  });

  it('parses 500ms / 2s / 1m and rejects anything else naming the flag', () => {
    expect(program().parse(['--watch', '1m'], { from: 'user' }).opts().watch).toBe(60_000);
    expect(() => program().parse(['--watch', 'soon'], { from: 'user' })).toThrow(/--watch: expected a duration/);
  });
});
