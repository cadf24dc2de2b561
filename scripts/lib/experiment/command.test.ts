import { UsageError } from '../../../services/shared/errors';
import type { Lab } from '../lab/openLab';
import { runLabCommand, type LabCommand } from './command';

describe('runLabCommand', () => {
  const argv = (...args: string[]): string[] => ['node', 'lab-x.js', ...args];
  let stderr: jest.SpyInstance;
  beforeEach(() => {
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    process.exitCode = undefined;
    stderr.mockRestore();
  });

  function command(prepare: LabCommand['prepare']): LabCommand {
    return { name: 'lab:x', description: 'test', flags: (p) => p.argument('[name]').option('--hard'), prepare };
  }

  it('parses the flags, opens the lab of -p, runs, closes the lab, and exits with what the run returned', async () => {
    const close = jest.fn();
    const open = jest.fn(async () => ({ project: 'p2', close }) as unknown as Lab);
    let seen = '';
    await runLabCommand(
      command((program) => {
        const hard = !!program.opts<{ hard?: boolean }>().hard;
        return async (lab) => ((seen = `${lab.project} ${program.args[0]} ${hard}`), 3);
      }),
      argv('api-a1', '--hard', '-p', 'p2'),
      open,
    );
    expect(open).toHaveBeenCalledWith('p2');
    expect(seen).toBe('p2 api-a1 true');
    expect(close).toHaveBeenCalled();
    expect(process.exitCode).toBe(3);
  });

  it('refuses bad input before opening the lab (exit 2), and closes the lab when the run fails (exit 1)', async () => {
    const open = jest.fn(async () => ({ close: jest.fn() }) as unknown as Lab);
    await runLabCommand(
      command(() => {
        throw new UsageError('no host named "host-z"');
      }),
      argv(),
      open,
    );
    expect(open).not.toHaveBeenCalled();
    expect(process.exitCode).toBe(2);
    expect(stderr).toHaveBeenCalledWith('lab:x: error: no host named "host-z"\n');

    const close = jest.fn();
    await runLabCommand(
      command(() => async () => Promise.reject(new Error('docker stop failed'))),
      argv(),
      async () => ({ close }) as unknown as Lab,
    );
    expect(close).toHaveBeenCalled();
    expect(process.exitCode).toBe(1);
  });
});
