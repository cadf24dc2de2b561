import { createHash } from 'node:crypto';

/**
 * A deterministic identicon for a name: the lab must work offline, so the default avatar is generated,
 * not fetched. SHA-256 of the name picks a hue and a 5x5 left-right symmetric pattern (GitHub style).
 * Same name → byte-identical SVG; different names → (almost always) visibly different images.
 */
export const AVATAR_CONTENT_TYPE = 'image/svg+xml';

const GRID = 5;
const CELL = 48;
const PAD = 24;

export function avatarSvg(name: string): string {
  const hash = createHash('sha256').update(name, 'utf8').digest();
  const hue = ((hash[0]! << 8) | hash[1]!) % 360;
  const fg = `hsl(${hue} 60% 45%)`;
  const size = GRID * CELL + 2 * PAD;
  const rects: string[] = [];
  const half = Math.ceil(GRID / 2);
  for (let row = 0; row < GRID; row++) {
    for (let col = 0; col < half; col++) {
      // one bit per cell of the left half (and middle column), mirrored to the right
      const bit = hash[2 + row * half + col]! & 1;
      if (!bit) continue;
      for (const c of new Set([col, GRID - 1 - col])) {
        rects.push(`<rect x="${PAD + c * CELL}" y="${PAD + row * CELL}" width="${CELL}" height="${CELL}"/>`);
      }
    }
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" role="img">`,
    `<title>${escapeXml(name)}</title>`,
    `<rect width="${size}" height="${size}" fill="#f0f0f0"/>`,
    `<g fill="${fg}">${rects.join('')}</g>`,
    `</svg>`,
  ].join('');
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
