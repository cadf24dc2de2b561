import { UsageError } from '../../../services/shared/errors';
import { hostCommand, resolveHost } from './resolveHost';

describe('resolveHost', () => {
  it('finds a host by its name', () => {
    expect(resolveHost('lab:partition', 'host-b', { refuseInstructor: true }).name).toBe('host-b');
    expect(resolveHost('lab:partition', ' host-b ', { refuseInstructor: true }).ipSuffix).toBe(22);
  });

  it('refuses an unknown host as bad input, listing the hosts', () => {
    expect(() => resolveHost('lab:partition', 'host-c', { refuseInstructor: true })).toThrow(UsageError);
    expect(() => resolveHost('lab:partition', 'host-c', { refuseInstructor: true })).toThrow(
      'no host named "host-c"; the lab\'s hosts: host-a, host-b',
    );
    expect(() => resolveHost('lab:kill-agent', undefined, { refuseInstructor: true })).toThrow('name a host: host-a, host-b');
  });

  it('refuses the instructor host with the reason, on one line', () => {
    const partition = (): unknown => resolveHost('lab:partition', 'host-a', { refuseInstructor: true });
    expect(partition).toThrow(UsageError);
    expect(partition).toThrow(/instructor's laptop.*would cut you off from the lab too; partition host-b instead$/);
    const kill = (): unknown => resolveHost('lab:kill-agent', 'host-a', { refuseInstructor: true });
    expect(kill).toThrow(/host-a's agent is the one this machine talks to.*kill host-b's agent instead$/);
    for (const f of [partition, kill]) {
      try {
        f();
      } catch (e) {
        expect((e as Error).message).not.toContain('\n');
      }
    }
  });

  it('allows the instructor host when told to (healing it)', () => {
    expect(resolveHost('lab:partition', 'host-a', { refuseInstructor: false }).name).toBe('host-a');
  });
});

describe('hostCommand', () => {
  it('leaves out the default project', () => {
    expect(hostCommand('lab:partition', 'consul-lab', 'host-b', '--heal')).toBe('npm run lab:partition -- --heal host-b');
    expect(hostCommand('lab:kill-agent', 'hostlab', 'host-b')).toBe('npm run lab:kill-agent -- -p hostlab host-b');
  });
});
