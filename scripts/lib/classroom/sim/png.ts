// A small, valid PNG per name for the GitHub stand-in: one colour (derived from the name) with a lighter
// square in the middle, so two students' avatars differ at a glance on the shared page. Builtins only
// (zlib + a CRC-32 table): githubStandin.js runs from /lab/dist with no node_modules.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export type Rgb = [number, number, number];

/** A stable, saturated colour per name (the first bytes of its SHA-256, pushed away from grey). */
export function colourFor(name: string): Rgb {
  const d = createHash('sha256').update(name).digest();
  return [d[0]! | 0x40, d[1]! & 0xbf, (d[2]! & 0x7f) + 0x40];
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** An 8-bit RGB PNG, `size` × `size` pixels. */
export function avatarPng(name: string, size = 64): Buffer {
  const [r, g, b] = colourFor(name);
  const light: Rgb = [(r + 255) >> 1, (g + 255) >> 1, (b + 255) >> 1];
  const rowBytes = 1 + size * 3;
  const raw = Buffer.alloc(rowBytes * size);
  const lo = size / 4;
  const hi = (size * 3) / 4;
  for (let y = 0; y < size; y++) {
    raw[y * rowBytes] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const inner = x >= lo && x < hi && y >= lo && y < hi;
      const px = inner ? light : [r, g, b];
      raw.set(px, y * rowBytes + 1 + x * 3);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
