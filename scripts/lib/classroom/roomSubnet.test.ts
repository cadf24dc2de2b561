import fc from 'fast-check';
import type os from 'node:os';
import { UsageError } from '../../../services/shared/errors';
import { decimalRange, defaultGateway, formatIpv4, lanCidrOf, parseCidr, parseIpv4, roomAddressPatterns } from './roomSubnet';

/** A random room: any address with a prefix the rules accept. */
const roomCidr = fc
  .tuple(fc.nat({ max: 2 ** 32 - 1 }), fc.integer({ min: 8, max: 30 }))
  .map(([n, p]) => ({ cidr: `${formatIpv4(n)}/${p}`, prefix: p }));

const inside = (ip: number, cidr: string): boolean => {
  const c = parseCidr(cidr);
  return ip >= c.network && ip <= c.broadcast;
};

describe('parseCidr', () => {
  test.each([
    ['192.168.1.20/24', '192.168.1.0', '192.168.1.255'],
    ['10.213.80.0/24', '10.213.80.0', '10.213.80.255'],
    ['172.16.5.4/12', '172.16.0.0', '172.31.255.255'],
    ['0.0.0.0/0', '0.0.0.0', '255.255.255.255'],
    ['255.255.255.255/32', '255.255.255.255', '255.255.255.255'],
    ['10.1.2.3/31', '10.1.2.2', '10.1.2.3'],
  ])('%s: network %s, broadcast %s (host bits cleared)', (text, network, broadcast) => {
    const c = parseCidr(text);
    expect([formatIpv4(c.network), formatIpv4(c.broadcast)]).toEqual([network, broadcast]);
  });

  test.each([
    '',
    '10.0.0.0',
    '10.0.0.0/',
    '10.0.0.0/33',
    '10.0.0/8',
    '010.0.0.0/8',
    '10.0.0.0/08',
    ' 10.0.0.0/8',
    '10.0.0.0/8\n',
    '::1/128',
    'x'.repeat(80),
  ])('refuses %j with a one-line UsageError', (text) => {
    expect(() => parseCidr(text)).toThrow(UsageError);
    try {
      parseCidr(text);
    } catch (err) {
      expect((err as Error).message).not.toMatch(/\n/);
      expect((err as Error).message.length).toBeLessThan(200);
    }
  });
});

describe('lanCidrOf', () => {
  const ifaces = {
    lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
    wlan0: [
      {
        address: 'fe80::1',
        netmask: 'ffff:ffff:ffff:ffff::',
        family: 'IPv6',
        mac: 'aa:bb:cc:dd:ee:ff',
        internal: false,
        cidr: 'fe80::1/64',
        scopeid: 3,
      },
      {
        address: '192.168.1.20',
        netmask: '255.255.255.0',
        family: 'IPv4',
        mac: 'aa:bb:cc:dd:ee:ff',
        internal: false,
        cidr: '192.168.1.20/24',
      },
    ],
    tun0: [{ address: '10.8.0.6', netmask: '255.255.252.0', family: 4, mac: '00:00:00:00:00:00', internal: false, cidr: '10.8.0.6/22' }],
  } as unknown as ReturnType<typeof os.networkInterfaces>;

  test('the subnet of the interface holding the address, host bits cleared', () => {
    expect(lanCidrOf('192.168.1.20', ifaces)).toBe('192.168.1.0/24');
    expect(lanCidrOf('10.8.0.6', ifaces)).toBe('10.8.0.0/22'); // Node 18.0-18.3's numeric family
  });

  test('undefined when no interface holds it', () => {
    expect(lanCidrOf('192.168.1.21', ifaces)).toBeUndefined();
    expect(lanCidrOf('fe80::1', ifaces)).toBeUndefined();
    expect(lanCidrOf('192.168.1.20', {})).toBeUndefined();
  });

  test("this machine's own interfaces: loopback is 127.0.0.0/8", () => {
    expect(lanCidrOf('127.0.0.1')).toBe('127.0.0.0/8');
  });
});

describe('defaultGateway', () => {
  const HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';
  const route =
    (...lines: string[]): (() => string) =>
    () =>
      [HEADER, ...lines, ''].join('\n');

  test('the default route with the gateway flag, little-endian hex', () => {
    expect(
      defaultGateway(
        route(
          'wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0',
          'wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0',
        ),
      ),
    ).toBe('192.168.1.1');
  });

  test('the lowest metric wins; routes that are down, without a gateway, or not default are ignored', () => {
    const r = route(
      'eth0\t00000000\t01500A0A\t0001\t0\t0\t10\t00000000\t0\t0\t0', // no RTF_GATEWAY
      'eth1\t00000000\t02500A0A\t0002\t0\t0\t10\t00000000\t0\t0\t0', // not up
      'eth2\t0000000A\t03500A0A\t0003\t0\t0\t10\t000000FF\t0\t0\t0', // 10.0.0.0/8, not default
      'wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0',
      'eth3\t00000000\t0150D50A\t0003\t0\t0\t100\t00000000\t0\t0\t0',
    );
    expect(defaultGateway(r)).toBe('10.213.80.1');
  });

  test('undefined without a default route or without /proc/net/route (not Linux)', () => {
    expect(defaultGateway(route('wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0'))).toBeUndefined();
    expect(defaultGateway(route())).toBeUndefined();
    expect(defaultGateway(() => undefined)).toBeUndefined();
    expect(defaultGateway(() => 'garbage\nnot a route table')).toBeUndefined();
  });

  test("this machine's: an IPv4 address or undefined", () => {
    const g = defaultGateway();
    if (g !== undefined) expect(parseIpv4(g)).toBeDefined();
  });
});

describe('decimalRange', () => {
  test('every [lo, hi] in 0-255 matches exactly its numbers, written without leading zeros', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const re = new RegExp(`^${decimalRange(lo, hi)}$`);
        // Collected, then compared once: an expect() per number would take seconds.
        const wrong: string[] = [];
        for (let n = 0; n <= 999; n++) if (re.test(String(n)) !== (n >= lo && n <= hi)) wrong.push(String(n));
        for (const s of ['', '00', '01', `0${lo}`, `${lo} `, `+${lo}`, `${lo}\n`]) if (re.test(s)) wrong.push(JSON.stringify(s));
        expect({ lo, hi, wrong }).toEqual({ lo, hi, wrong: [] });
      }),
      { numRuns: 300 },
    );
  });
});

describe('roomAddressPatterns', () => {
  test('a /24: the exact patterns', () => {
    expect(roomAddressPatterns({ cidr: '10.213.80.0/24', exclude: ['10.213.80.10', '10.213.80.1'] })).toEqual({
      allowed: '^10\\.213\\.80\\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$',
      excluded: '^(?:10\\.213\\.80\\.0|10\\.213\\.80\\.1|10\\.213\\.80\\.10|10\\.213\\.80\\.255)$',
    });
  });

  test('only RE2-safe syntax: no lookaround, backreference, lazy quantifier or flag group', () => {
    fc.assert(
      fc.property(roomCidr, fc.array(fc.ipV4(), { maxLength: 4 }), ({ cidr }, exclude) => {
        for (const p of Object.values(roomAddressPatterns({ cidr, exclude }))) {
          expect(p).toMatch(/^\^.*\$$/);
          expect(p).toMatch(/^[\^$()|[\]\-?:.\\0-9{}]*$/);
          expect(p).not.toMatch(/\(\?[=!<]|\\[1-9]|[*+?}]\?|\(\?[a-z]/);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('property: allowed matches an IPv4 address exactly when it is inside the subnet', () => {
    // Random addresses anywhere, plus addresses inside and just outside each edge (random ones rarely land inside).
    const probe = fc.tuple(roomCidr, fc.array(fc.nat({ max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 20 }), fc.nat(), fc.nat());
    fc.assert(
      fc.property(probe, ([{ cidr }, random, offsetA, offsetB]) => {
        const c = parseCidr(cidr);
        const size = c.broadcast - c.network + 1;
        const ips = [
          ...random,
          c.network,
          c.broadcast,
          c.network + (offsetA % size),
          c.network + (offsetB % size),
          c.network - 1,
          c.broadcast + 1,
        ].filter((n) => n >= 0 && n <= 2 ** 32 - 1);
        const { allowed } = roomAddressPatterns({ cidr, exclude: [] });
        const re = new RegExp(allowed);
        for (const n of ips) {
          const ip = formatIpv4(n);
          expect({ cidr, ip, match: re.test(ip) }).toEqual({ cidr, ip, match: inside(n, cidr) });
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('property: excluded matches exactly the given addresses and the network and broadcast addresses', () => {
    fc.assert(
      fc.property(
        roomCidr,
        fc.array(fc.nat({ max: 2 ** 32 - 1 }), { maxLength: 5 }),
        fc.array(fc.nat({ max: 2 ** 32 - 1 }), { maxLength: 10 }),
        ({ cidr }, ex, others) => {
          const c = parseCidr(cidr);
          const re = new RegExp(roomAddressPatterns({ cidr, exclude: ex.map(formatIpv4) }).excluded);
          const set = new Set([...ex, c.network, c.broadcast]);
          for (const n of [...set, ...others, c.network + 1, c.broadcast - 1]) {
            const ip = formatIpv4(n);
            expect({ ip, match: re.test(ip) }).toEqual({ ip, match: set.has(n) });
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('property: neither pattern matches leading zeros, extra parts, ports or whitespace around an address', () => {
    const variants = (ip: string): string[] => {
      const parts = ip.split('.');
      return [
        ...parts.map((_, i) => parts.map((p, j) => (i === j ? `0${p}` : p)).join('.')),
        ...parts.map((_, i) => parts.map((p, j) => (i === j ? `00${p}` : p)).join('.')),
        `${ip}.1`,
        `1.${ip}`,
        `${ip}:80`,
        `${ip}/24`,
        ` ${ip}`,
        `${ip} `,
        `${ip}\n`,
        `\n${ip}`,
        `${ip}\t`,
        parts.slice(0, 3).join('.'),
        parts.join('..'),
        `${ip}x`,
        '',
      ];
    };
    fc.assert(
      fc.property(roomCidr, fc.nat(), fc.array(fc.ipV4(), { maxLength: 3 }), ({ cidr }, offset, exclude) => {
        const c = parseCidr(cidr);
        const ip = formatIpv4(c.network + (offset % (c.broadcast - c.network + 1)));
        const { allowed, excluded } = roomAddressPatterns({ cidr, exclude: [ip, ...exclude] });
        expect(new RegExp(allowed).test(ip)).toBe(true);
        expect(new RegExp(excluded).test(ip)).toBe(true);
        for (const v of variants(ip)) {
          expect({ v, allowed: new RegExp(allowed).test(v), excluded: new RegExp(excluded).test(v) }).toEqual({
            v,
            allowed: false,
            excluded: false,
          });
        }
      }),
      { numRuns: 1000 },
    );
  });

  test.each([
    ['10.0.0.0/7', /wider than \/8/],
    ['0.0.0.0/0', /wider than \/8/],
    ['10.0.0.0/31', /narrower than \/30/],
    ['10.0.0.1/32', /narrower than \/30/],
    ['10.0.0.0', /not an IPv4 CIDR/],
  ])('refuses %s with a one-line UsageError', (cidr, why) => {
    expect(() => roomAddressPatterns({ cidr, exclude: [] })).toThrow(UsageError);
    expect(() => roomAddressPatterns({ cidr, exclude: [] })).toThrow(why);
  });

  test.each(['', '10.0.0.01', 'localhost', '10.0.0.1 ', '::1', '10.0.0.1|.*'])('refuses the excluded value %j', (bad) => {
    expect(() => roomAddressPatterns({ cidr: '10.0.0.0/24', exclude: ['10.0.0.1', bad] })).toThrow(
      /^excluded room address .* is not an IPv4 address$/,
    );
  });

  test('the edges: /8 and /30', () => {
    const wide = roomAddressPatterns({ cidr: '10.1.2.3/8', exclude: [] });
    expect(new RegExp(wide.allowed).test('10.255.255.254')).toBe(true);
    expect(new RegExp(wide.allowed).test('11.0.0.0')).toBe(false);
    expect(new RegExp(wide.excluded).test('10.0.0.0')).toBe(true);
    expect(new RegExp(wide.excluded).test('10.255.255.255')).toBe(true);
    const narrow = roomAddressPatterns({ cidr: '192.168.7.9/30', exclude: [] });
    const hosts = ['192.168.7.8', '192.168.7.9', '192.168.7.10', '192.168.7.11', '192.168.7.12', '192.168.7.7'];
    expect(hosts.map((h) => new RegExp(narrow.allowed).test(h))).toEqual([true, true, true, true, false, false]);
    expect(hosts.map((h) => new RegExp(narrow.excluded).test(h))).toEqual([true, false, false, true, false, false]);
  });
});
