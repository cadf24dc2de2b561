import { inflateSync } from 'node:zlib';
import { PNG_SIGNATURE, avatarPng, colourFor, crc32 } from './png';

/** The chunks of a PNG, with each CRC checked. */
function chunks(png: Buffer): Array<{ type: string; data: Buffer }> {
  const out: Array<{ type: string; data: Buffer }> = [];
  let i = 8;
  while (i < png.length) {
    const len = png.readUInt32BE(i);
    const type = png.subarray(i + 4, i + 8).toString('ascii');
    const data = png.subarray(i + 8, i + 8 + len);
    expect(png.readUInt32BE(i + 8 + len)).toBe(crc32(png.subarray(i + 4, i + 8 + len)));
    out.push({ type, data });
    i += 12 + len;
  }
  return out;
}

describe('avatar PNG', () => {
  test('CRC-32 matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  test("is a valid RGB PNG whose pixels are the name's colour", () => {
    const png = avatarPng('alice', 16);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const cs = chunks(png);
    expect(cs.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = cs[0]!.data;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]]).toEqual([16, 16, 8, 2]);
    const raw = inflateSync(cs[1]!.data);
    expect(raw.length).toBe(16 * (1 + 16 * 3));
    expect([...raw.subarray(1, 4)]).toEqual(colourFor('alice'));
  });

  test('differs per name and is stable', () => {
    expect(colourFor('alice')).not.toEqual(colourFor('bob'));
    expect(avatarPng('bob').equals(avatarPng('bob'))).toBe(true);
  });
});
