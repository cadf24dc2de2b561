import { UsageError } from '../../../services/shared/errors';
import { parseScaleTarget, restartRangeOf, staggerGapMs } from './scalePlan';

describe('parseScaleTarget', () => {
  it('defaults to one more than now', () => {
    expect(parseScaleTarget(undefined, 1)).toBe(2);
  });
  it('accepts 1..10, rejects anything else as bad input', () => {
    expect(parseScaleTarget('3', 1)).toBe(3);
    for (const bad of ['0', '11', '-1', '2.5', 'two', '']) expect(() => parseScaleTarget(bad, 1)).toThrow(UsageError);
  });
});

describe('restartRangeOf', () => {
  it('reads --restart-every, then DEMO_RESTART_EVERY, else 5-10 s', () => {
    expect(restartRangeOf(['consul-demo', 'server', '--restart-every', '2-4s'], ['DEMO_RESTART_EVERY=9s'])).toEqual([2000, 4000]);
    expect(restartRangeOf(['server', '--restart-every=3s'], [])).toEqual([3000, 3000]);
    expect(restartRangeOf(['server'], ['DEMO_RESTART_EVERY=0'])).toEqual([0, 0]);
    expect(restartRangeOf(['server'], [])).toEqual([5000, 10000]);
  });
});

describe('staggerGapMs', () => {
  it("puts the next replica's first restart after the previous one's latest possible first restart", () => {
    const [min, max] = [5000, 10000];
    const gap = staggerGapMs([min, max]);
    expect(gap).toBe(6000);
    // previous replica started at 0 restarts at most at max; the next starts at gap and restarts at least at gap + min
    expect(gap + min).toBeGreaterThan(max);
  });
  it('is 0 when servers never restart', () => {
    expect(staggerGapMs([0, 0])).toBe(0);
  });
});
