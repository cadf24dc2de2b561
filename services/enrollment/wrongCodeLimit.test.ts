import { wrongCodeLimit } from './wrongCodeLimit';

describe('wrongCodeLimit', () => {
  it('refuses an IP after `limit` wrong codes until its window ends, other IPs unaffected', () => {
    let t = 1_000_000;
    const l = wrongCodeLimit({ limit: 3, windowMs: 60_000, now: () => t });
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfter('a')).toBe(0);
      l.wrong('a');
    }
    expect(l.retryAfter('a')).toBe(60);
    expect(l.retryAfter('b')).toBe(0);
    t += 59_500;
    expect(l.retryAfter('a')).toBe(1);
    t += 500;
    expect(l.retryAfter('a')).toBe(0);
    expect(l.size).toBe(0);
  });

  it('keeps at most maxTracked IPs, forgetting the oldest first', () => {
    let t = 0;
    const l = wrongCodeLimit({ limit: 1, windowMs: 60_000, maxTracked: 2, now: () => t });
    l.wrong('a');
    t += 1;
    l.wrong('b');
    t += 1;
    l.wrong('c');
    expect(l.size).toBe(2);
    expect(l.retryAfter('a')).toBe(0);
    expect(l.retryAfter('b')).toBeGreaterThan(0);
    expect(l.retryAfter('c')).toBeGreaterThan(0);
  });
});
