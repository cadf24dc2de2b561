import fc from 'fast-check';
import { consulUrl, formatHostPort, parseConsulHttpAddr, parseHostPort, parsePort, redactAddress, urlHost } from './address';
import { UsageError } from '../errors';

describe('parseConsulHttpAddr', () => {
  test.each([
    ['127.0.0.1:8500', { host: '127.0.0.1', port: 8500, secure: false }],
    ['http://consul-agent:8500', { host: 'consul-agent', port: 8500, secure: false }],
    ['https://consul.example:8501/', { host: 'consul.example', port: 8501, secure: true }],
    ['localhost', { host: 'localhost', port: 8500, secure: false }],
    ['[::1]:8500', { host: '::1', port: 8500, secure: false }],
    ['http://[::1]:8500', { host: '::1', port: 8500, secure: false }],
    ['[::1]', { host: '::1', port: 8500, secure: false }],
    ['https://[fd00::7]', { host: 'fd00::7', port: 443, secure: true }],
    ['lab_consul-agent_1:8500', { host: 'lab_consul-agent_1', port: 8500, secure: false }],
  ])('%s', (input, expected) => {
    expect(parseConsulHttpAddr(input)).toEqual(expected);
  });

  test.each([
    '',
    'ftp://x:1',
    'http://x:1/v1',
    'x:0',
    'x:99999',
    'x:abc',
    'bad host:1',
    'a:b:c',
    '::1',
    '::1:8500',
    '[::1',
    '[x]:1',
    '[fe80::1%eth0]:8500',
    '[]:1',
    'x:1?q',
    'unix:///tmp/consul.sock',
  ])('rejects %j with a UsageError naming the variable', (input) => {
    expect(() => parseConsulHttpAddr(input)).toThrow(UsageError);
    expect(() => parseConsulHttpAddr(input)).toThrow(/^CONSUL_HTTP_ADDR: /);
  });

  test('unbracketed IPv6 says how to write it', () => {
    expect(() => parseConsulHttpAddr('::1')).toThrow('CONSUL_HTTP_ADDR: an IPv6 address needs brackets, e.g. [::1]:8500, got "::1"');
  });

  test.each([
    'http://user:s3cretPass@127.0.0.1:8500',
    'user:s3cretPass@127.0.0.1:8500',
    'https://s3cretPass@consul:8501',
    'http://u:s3cretPass@[::1]:8500/v1',
  ])('credentials in %j: refused, and the password is never in the message', (input) => {
    let msg = '';
    try {
      parseConsulHttpAddr(input);
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      msg = (err as Error).message;
    }
    expect(msg).toMatch(/^CONSUL_HTTP_ADDR: /);
    expect(msg).toContain('[redacted]@');
    expect(msg).not.toContain('s3cretPass');
  });
});

test('parseHostPort uses the default port and names what is wrong', () => {
  expect(parseHostPort('10.0.0.1', 'CONSUL_DNS_ADDR', 8600)).toEqual({ host: '10.0.0.1', port: 8600 });
  expect(parseHostPort('[::1]:53', 'CONSUL_DNS_ADDR', 8600)).toEqual({ host: '::1', port: 53 });
  expect(() => parseHostPort('10.0.0.1:x', 'CONSUL_DNS_ADDR', 8600)).toThrow(/CONSUL_DNS_ADDR.*port/);
  expect(() => parseHostPort('secretUser@10.0.0.1:53', 'CONSUL_DNS_ADDR', 8600)).toThrow(/^CONSUL_DNS_ADDR: credentials/);
  expect(() => parseHostPort('secretUser@10.0.0.1:53', 'CONSUL_DNS_ADDR', 8600)).not.toThrow(/secretUser/);
});

test('parsePort bounds', () => {
  expect(parsePort('1', 'p')).toBe(1);
  expect(parsePort(65535, 'p')).toBe(65535);
  expect(() => parsePort('65536', 'p')).toThrow(/1-65535/);
  expect(() => parsePort('1.5', 'p')).toThrow(UsageError);
});

test('formatHostPort brackets IPv6', () => {
  expect(formatHostPort({ host: '::1', port: 1 })).toBe('[::1]:1');
  expect(formatHostPort({ host: 'a', port: 2 })).toBe('a:2');
  expect(consulUrl({ host: '::1', port: 8500, secure: false })).toBe('http://[::1]:8500');
});

test('urlHost brackets IPv6 only', () => {
  expect(urlHost('fd00::7')).toBe('[fd00::7]');
  expect(urlHost('10.0.0.7')).toBe('10.0.0.7');
  expect(urlHost('consul-agent')).toBe('consul-agent');
});

test('redactAddress', () => {
  expect(redactAddress('http://u:p@h:1')).toBe('http://[redacted]@h:1');
  expect(redactAddress('u:p@h:1')).toBe('[redacted]@h:1');
  expect(redactAddress('h:1')).toBe('h:1');
});

describe('properties', () => {
  const port = fc.integer({ min: 1, max: 65535 });
  const scheme = fc.constantFrom('', 'http://', 'https://', 'HTTP://');
  const slash = fc.constantFrom('', '/');

  test('IPv4 and host names, with or without scheme, port and trailing slash, parse to what was written', () => {
    const host = fc.oneof(fc.ipV4(), fc.domain());
    fc.assert(
      fc.property(scheme, host, fc.option(port, { nil: undefined }), slash, (s, h, p, sl) => {
        const a = parseConsulHttpAddr(`${s}${h}${p === undefined ? '' : `:${p}`}${sl}`);
        const secure = s.toLowerCase() === 'https://';
        expect(a).toEqual({ host: h, port: p ?? (secure ? 443 : 8500), secure });
        expect(new URL(consulUrl(a)).port).toBe(
          p === undefined || String(p) === (secure ? '443' : '80') ? (p === undefined ? (secure ? '' : '8500') : '') : String(p),
        );
      }),
    );
  });

  test('IPv6 in brackets (with or without scheme and port) parses to the bare address; its URL is valid', () => {
    fc.assert(
      fc.property(scheme, fc.ipV6(), fc.option(port, { nil: undefined }), slash, (s, ip, p, sl) => {
        const a = parseConsulHttpAddr(`${s}[${ip}]${p === undefined ? '' : `:${p}`}${sl}`);
        expect(a.host).toBe(ip);
        expect(new URL(consulUrl(a)).hostname).toMatch(/^\[[0-9a-f:.]+\]$/);
      }),
    );
  });

  test('any string: a valid URL or a one-line UsageError naming the variable, never another exception', () => {
    const junk = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.tuple(scheme, fc.stringMatching(/^[[\]:@a-z0-9.%/?#_ -]{0,30}$/)).map(([s, r]) => s + r),
    );
    fc.assert(
      fc.property(junk, (v) => {
        try {
          const a = parseConsulHttpAddr(v);
          expect(() => new URL(consulUrl(a))).not.toThrow();
          expect(a.port >= 1 && a.port <= 65535).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
          expect((err as Error).message).toMatch(/^CONSUL_HTTP_ADDR[: ][^\n]*$/);
          expect((err as Error).message.length).toBeLessThan(400);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('a password in the address never appears in the message', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9._~-]{1,20}$/).map((s) => `PW${s}`);
    const user = fc.stringMatching(/^[A-Za-z0-9]{0,8}$/);
    fc.assert(
      fc.property(
        scheme,
        user,
        secret,
        fc.oneof(
          fc.ipV4(),
          fc.domain(),
          fc.ipV6().map((i) => `[${i}]`),
        ),
        fc.option(port, { nil: undefined }),
        (s, u, pw, h, p) => {
          const v = `${s}${u ? `${u}:` : ''}${pw}@${h}${p === undefined ? '' : `:${p}`}`;
          expect(() => parseConsulHttpAddr(v)).toThrow(UsageError);
          try {
            parseConsulHttpAddr(v);
          } catch (err) {
            expect((err as Error).message).not.toContain(pw);
          }
        },
      ),
    );
  });
});

describe('a password with any characters (/?#@:, unicode) never reaches the message', () => {
  const password = fc.string({
    unit: fc.oneof(
      fc.constantFrom('/', '?', '#', '@', ':', '%', ' ', '"', 'é', '🔑'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    ),
    minLength: 4,
    maxLength: 30,
  });
  const scheme = fc.constantFrom('', 'http://', 'https://');

  test('parseConsulHttpAddr refuses it with the password redacted', () => {
    fc.assert(
      fc.property(scheme, password, (s, pw) => {
        const v = `${s}user:${pw}@consul:8500`;
        let msg = '';
        try {
          parseConsulHttpAddr(v);
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
          msg = (err as Error).message;
        }
        expect(msg).toContain('[redacted]@');
        // What the message says anyway (so a password that is a word of it is no leak).
        const template = msg.replace(/"[^"]*"$/, '') + `${s}[redacted]@consul:8500 user`;
        fc.pre(!template.includes(pw));
        expect(msg).not.toContain(pw);
        expect(msg).not.toContain(JSON.stringify(pw).slice(1, -1));
      }),
      { numRuns: 2000 },
    );
  });

  test('redactAddress', () => {
    expect(redactAddress('http://user:pa/ss@host:8500')).toBe('http://[redacted]@host:8500');
    expect(redactAddress('http://u:abc@def@h')).toBe('http://[redacted]@h');
    expect(redactAddress('u:a?b#c@h:1')).toBe('[redacted]@h:1');
    expect(redactAddress('http://h:1/a/b?c#d')).toBe('http://h:1/a/b?c#d');
  });
});
