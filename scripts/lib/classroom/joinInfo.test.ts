import fc from 'fast-check';
import { type JoinInfo, joinInfoFor, parseJoinInfo, serializeJoinInfo } from './joinInfo';
import { CLASSROOM_CA_PEM, OTHER_CA_PEM } from './testdata/testCas';

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
const port = fc.integer({ min: 1, max: 65535 });
const b64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64'));
const code = fc.stringMatching(/^[a-z0-9-]{6,64}$/);
const url = fc.tuple(ipv4, port, fc.constantFrom('/', '/ui/', '')).map(([h, p, s]) => `http://${h}:${p}${s}`);
const httpsUrl = fc.tuple(ipv4, port).map(([h, p]) => `https://${h}:${p}`);

/** The join info of an instructor at 192.168.1.20 with the lab's ports and the test classroom CA. */
const sample = (): JoinInfo =>
  joinInfoFor('192.168.1.20', { gossipKey: Buffer.alloc(32).toString('base64'), joinCode: 'kite-maple-7421' }, 8080, CLASSROOM_CA_PEM);

const joinInfo: fc.Arbitrary<JoinInfo> = fc.record({
  version: fc.constant(2 as const),
  datacenter: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
  instructor: ipv4,
  servers: fc.array(
    fc.tuple(ipv4, port).map(([h, p]) => `${h}:${p}`),
    { minLength: 1, maxLength: 16 },
  ),
  gossipKey: b64,
  joinCode: code,
  ca: fc.constantFrom(CLASSROOM_CA_PEM, OTHER_CA_PEM),
  enrollUrl: httpsUrl,
  consulUi: url,
  page: url,
});

const FIELDS = ['version', 'datacenter', 'instructor', 'servers', 'gossipKey', 'joinCode', 'ca', 'enrollUrl', 'consulUi', 'page'] as const;

describe('joinInfo', () => {
  it('parse(serialize(x)) round-trips', () => {
    fc.assert(fc.property(joinInfo, (x) => expect(parseJoinInfo(serializeJoinInfo(x))).toEqual(x)));
  });

  it('junk in one field gives one line naming that field and never the value', () => {
    const junk = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string()), fc.constant({}));
    fc.assert(
      fc.property(joinInfo, fc.constantFrom(...FIELDS), junk, (x, field, bad) => {
        const broken: Record<string, unknown> = { ...x, [field]: bad };
        let message = '';
        try {
          parseJoinInfo(JSON.stringify(broken));
        } catch (e) {
          message = (e as Error).message;
        }
        // A junk value can happen to be valid (e.g. a string that is a fine datacenter name): then no error.
        if (!message) return;
        expect(message).not.toContain('\n');
        // A junk number in `version` is named as another version of the lab.
        expect(message.startsWith(`join.json: ${field}`) || (field === 'version' && /^join\.json: version \d/.test(message))).toBe(true);
        if (field === 'gossipKey' || field === 'joinCode') expect(message).not.toContain(x[field]);
      }),
    );
  });

  it('names a missing field, an unknown one, and non-JSON', () => {
    const ok = sample();
    const { gossipKey: _g, ...noKey } = ok;
    expect(() => parseJoinInfo(JSON.stringify(noKey))).toThrow(/^join\.json: gossipKey: /);
    expect(() => parseJoinInfo(JSON.stringify({ ...ok, extra: 1 }))).toThrow(/^join\.json: \(top level\): /);
    expect(() => parseJoinInfo('{nope', 'join-info answer')).toThrow('join-info answer: not JSON');
  });

  it('joinInfoFor lays out the ports of the design', () => {
    const j = sample();
    expect(j.servers).toEqual(['192.168.1.20:8301', '192.168.1.20:8311', '192.168.1.20:8321']);
    expect(j.enrollUrl).toBe('https://192.168.1.20:8099');
    expect(j.ca).toBe(CLASSROOM_CA_PEM);
    expect(j.consulUi).toBe('http://192.168.1.20:8500/ui/');
    expect(j.page).toBe('http://192.168.1.20:8080/');
    expect(parseJoinInfo(serializeJoinInfo(j))).toEqual(j);
  });

  it('version 2 only: a version-1 join info (no CA) is one line saying to run the same lab version', () => {
    const j = sample();
    const { ca: _ca, ...v1 } = { ...j, version: 1, enrollUrl: 'http://192.168.1.20:8099' };
    expect(() => parseJoinInfo(JSON.stringify(v1))).toThrow(/^join\.json: version 1, this lab reads version 2 .*same lab version/);
  });

  it('the CA must be one PEM CA certificate (not a leaf, not two, not junk) and the enrollment URL https', () => {
    const j = sample();
    for (const ca of ['', 'x', CLASSROOM_CA_PEM + OTHER_CA_PEM, CLASSROOM_CA_PEM.replace('MII', 'MIJ')])
      expect(() => parseJoinInfo(JSON.stringify({ ...j, ca }))).toThrow(/^join\.json: ca: must be one PEM CA certificate$/);
    expect(() => parseJoinInfo(JSON.stringify({ ...j, enrollUrl: 'http://192.168.1.20:8099' }))).toThrow(
      /^join\.json: enrollUrl: must be an https:\/\/ URL$/,
    );
  });
});
