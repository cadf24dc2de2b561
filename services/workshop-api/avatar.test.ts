import { AVATAR_CONTENT_TYPE, avatarSvg } from './avatar';

test('the avatar is deterministic: same name, byte-identical SVG', () => {
  expect(avatarSvg('alice')).toBe(avatarSvg('alice'));
  expect(AVATAR_CONTENT_TYPE).toBe('image/svg+xml');
});

test('different names give different images (pattern and colour come from a hash of the name)', () => {
  const names = ['alice', 'bob', 'cy', 'api-3f9a1c', 'api-3f9a1d'];
  const svgs = new Set(names.map(avatarSvg));
  expect(svgs.size).toBe(names.length);
});

test('a well-formed, left-right symmetric SVG, the name escaped in its title', () => {
  const svg = avatarSvg('<x&y>');
  expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*>.*<\/svg>$/);
  expect(svg).toContain('<title>&#60;x&#38;y&#62;</title>');
  // every filled cell has its mirror: x and (4 - col) columns
  const cells = [...avatarSvg('alice').matchAll(/<rect x="(\d+)" y="(\d+)" width="48"/g)].map((m) => [Number(m[1]), Number(m[2])]);
  expect(cells.length).toBeGreaterThan(0);
  const key = (x: number, y: number): string => `${x},${y}`;
  const set = new Set(cells.map(([x, y]) => key(x!, y!)));
  for (const [x, y] of cells) expect(set.has(key(24 + (4 - (x! - 24) / 48) * 48, y!))).toBe(true);
});
