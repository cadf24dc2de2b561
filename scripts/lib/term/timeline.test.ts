import { Timeline } from './timeline';

function clock(start = 1000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('Timeline', () => {
  it('keeps the first sighting and renders events in the order they happened', () => {
    const c = clock();
    const tl = new Timeline(c.now);
    tl.mark('sent', 'docker stop sent', 0);
    tl.expect('stopped', 'container stopped').expect('consul', 'out of Consul').expect('page', 'gone from page');
    c.advance(400);
    expect(tl.mark('consul', "out of Consul's passing set (deregistered)")).toBe(true);
    c.advance(300);
    expect(tl.mark('consul')).toBe(false); // second sighting ignored
    tl.mark('page');
    c.advance(1500);
    tl.mark('stopped');
    expect(tl.done()).toBe(true);
    expect(tl.at('consul')).toBe(400);
    expect(tl.render().split('\n')).toEqual([
      '  AFTER  EVENT',
      '  0.0 s  docker stop sent',
      "  0.4 s  out of Consul's passing set (deregistered)",
      '  0.7 s  gone from page',
      '  2.2 s  container stopped',
    ]);
  });

  it('lists events never seen last, with the given note', () => {
    const c = clock();
    const tl = new Timeline(c.now).expect('upstream', 'gone from upstream').expect('consul', 'out of Consul');
    c.advance(2000);
    tl.mark('consul');
    expect(tl.done()).toBe(false);
    expect(tl.pending().map((e) => e.key)).toEqual(['upstream']);
    const lines = tl.render('not seen in 45.0 s').split('\n');
    expect(lines[1]).toMatch(/2\.0 s\s+out of Consul$/);
    expect(lines[2]).toMatch(/not seen in 45\.0 s\s+gone from upstream$/);
  });

  it('orders ties by declaration', () => {
    const tl = new Timeline(() => 0).expect('a', 'A').expect('b', 'B');
    tl.mark('b', undefined, 100);
    tl.mark('a', undefined, 100);
    expect(tl.sorted().map((e) => e.key)).toEqual(['a', 'b']);
  });
});
