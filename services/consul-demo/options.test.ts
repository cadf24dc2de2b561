import { CommanderError } from 'commander';
import fc from 'fast-check';
import { runCli } from '../shared/cli';
import { UsageError } from '../shared/errors';
import { ParseIo, RANGES, goStyleFlags, parseArgs, parseBoolEnv, parseStatusPort, parseVersion } from './options';

const DEMO_ENV = Object.keys(process.env).filter((k) => k.startsWith('DEMO_') || k === 'LOG_FORMAT');
const saved = { ...process.env };
afterEach(() => {
  // commander reads option env vars from process.env: put it back exactly.
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});
beforeEach(() => {
  for (const k of DEMO_ENV) delete process.env[k];
});

/** Parse with output captured; env for the Consul addresses. */
function parse(args: string[], env: NodeJS.ProcessEnv = {}) {
  const err: string[] = [];
  const io: ParseIo = { env, writeErr: (s) => err.push(s), writeOut: () => undefined };
  return { run: () => parseArgs(args, io), err };
}

/** What runCli makes of it: the exit code and the stderr lines. */
async function exitOf(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; lines: string[] }> {
  const { run, err } = parse(args, env);
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err.push(String(s));
    return true;
  });
  const before = process.exitCode;
  try {
    await runCli('consul-demo', async () => void run());
    return { code: Number(process.exitCode ?? 0), lines: err.join('').trim().split('\n') };
  } finally {
    process.exitCode = before;
    write.mockRestore();
  }
}

describe('server', () => {
  test('defaults', () => {
    const p = parse(['server', '--bind', '127.0.0.1']).run();
    expect(p).toEqual({
      mode: 'server',
      options: {
        version: undefined,
        bind: '127.0.0.1',
        advertise: '127.0.0.1', // a specific bind address is what we advertise
        restartEveryMs: [5000, 10000],
        restartMode: 'break-before-make',
        drainMs: 500,
        lineTimeoutMs: 5000,
        idleTimeoutMs: 30000,
        maxConnections: 1024,
        maxReplyBacklogBytes: 1024 * 1024,
        instanceFile: undefined,
        logFormat: 'text',
        consulHttp: { host: '127.0.0.1', port: 8500, secure: false },
      },
    });
  });

  test('--restart-mode / DEMO_RESTART_MODE; anything else is bad input', async () => {
    const p = parse(['server', '--restart-mode', 'make-before-break']).run();
    expect(p.mode === 'server' && p.options.restartMode).toBe('make-before-break');
    process.env.DEMO_RESTART_MODE = 'make-before-break';
    const q = parse(['server']).run();
    expect(q.mode === 'server' && q.options.restartMode).toBe('make-before-break');
    delete process.env.DEMO_RESTART_MODE;
    const bad = await exitOf(['server', '--restart-mode', 'blue-green']);
    expect(bad.code).toBe(2);
    expect(bad.lines).toHaveLength(1);
    expect(bad.lines[0]).toContain('--restart-mode');
    expect(bad.lines[0]).toContain('break-before-make, make-before-break');
  });

  test('--instance-file / DEMO_INSTANCE_FILE; empty = none', () => {
    const p = parse(['server', '--instance-file', '/run/demo/instance']).run();
    expect(p.mode === 'server' && p.options.instanceFile).toBe('/run/demo/instance');
    process.env.DEMO_INSTANCE_FILE = '/tmp/x';
    const q = parse(['server']).run();
    expect(q.mode === 'server' && q.options.instanceFile).toBe('/tmp/x');
    process.env.DEMO_INSTANCE_FILE = '';
    const r = parse(['server']).run();
    expect(r.mode === 'server' && r.options.instanceFile).toBeUndefined();
  });

  test.each([['-version'], ['--version']])('%s locks the protocol', (flag) => {
    const p = parse(['server', flag, 'v2']).run();
    expect(p.mode === 'server' && p.options.version).toBe('v2');
    const q = parse(['server', `${flag}=v1`]).run();
    expect(q.mode === 'server' && q.options.version).toBe('v1');
  });

  test('flags and env', () => {
    process.env.DEMO_VERSION = 'v1';
    process.env.DEMO_RESTART_EVERY = '0';
    process.env.DEMO_ADVERTISE = '10.0.0.5';
    process.env.LOG_FORMAT = 'json';
    const p = parse(['server', '--drain', '1s', '-restart-every', '2-3s'], { CONSUL_HTTP_ADDR: 'http://10.0.0.2:8501' }).run();
    expect(p).toMatchObject({
      mode: 'server',
      options: {
        version: 'v1',
        advertise: '10.0.0.5',
        restartEveryMs: [2000, 3000], // the flag beats the env var
        drainMs: 1000,
        logFormat: 'json',
        consulHttp: { host: '10.0.0.2', port: 8501, secure: false },
      },
    });
    process.env.DEMO_RESTART_EVERY = '0';
    const q = parse(['server']).run();
    expect(q.mode === 'server' && q.options.restartEveryMs).toEqual([0, 0]);
  });

  test('"random" or an empty DEMO_VERSION means not locked', () => {
    expect(parseVersion('random')).toBeUndefined();
    expect(parseVersion('')).toBeUndefined();
    expect(() => parseVersion('v3')).toThrow(UsageError);
  });
});

describe('client', () => {
  test('defaults', () => {
    expect(parse(['client']).run()).toEqual({
      mode: 'client',
      options: {
        intervalMs: 1000,
        count: 0,
        json: false,
        select: 'random',
        discovery: 'alternate',
        dnsLookup: 'srv',
        timeoutMs: 1000,
        discoveryTimeoutMs: 2000,
        retryDelayMs: 250,
        logFormat: 'text',
        consulHttp: { host: '127.0.0.1', port: 8500, secure: false },
        consulDns: { host: '127.0.0.1', port: 8600 },
        statusPort: undefined,
        statusBind: '127.0.0.1',
      },
    });
  });

  test('--status-port / DEMO_STATUS_PORT and --status-bind; 0 or empty = off; out of range is bad input', async () => {
    const p = parse(['client', '--status-port', '9123', '--status-bind', '0.0.0.0']).run();
    expect(p).toMatchObject({ mode: 'client', options: { statusPort: 9123, statusBind: '0.0.0.0' } });
    process.env.DEMO_STATUS_PORT = '9124';
    expect(parse(['client']).run()).toMatchObject({ options: { statusPort: 9124 } });
    for (const off of ['', '0']) {
      process.env.DEMO_STATUS_PORT = off;
      expect(parse(['client']).run()).toMatchObject({ options: { statusPort: undefined } });
    }
    delete process.env.DEMO_STATUS_PORT;
    for (const bad of [
      ['--status-port', '65536'],
      ['--status-port', 'http'],
      ['--status-bind', 'localhost'],
    ]) {
      const r = await exitOf(['client', ...bad]);
      expect(r.code).toBe(2);
      expect(r.lines).toHaveLength(1);
      expect(r.lines[0]).toContain(bad[0]);
    }
  });

  test('property: --status-port takes exactly the whole numbers 0 to 65535', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -10, max: 70_000 }).map(String), fc.string({ maxLength: 8 })), (v) => {
        const valid = /^\s*\d+\s*$/.test(v) && Number(v) <= 65_535;
        let got: number | undefined | 'error';
        try {
          got = parseStatusPort(v);
        } catch (e) {
          expect(e).toBeInstanceOf(UsageError);
          got = 'error';
        }
        if (v.trim() === '') expect(got).toBeUndefined();
        else if (!valid) expect(got).toBe('error');
        else expect(got).toBe(Number(v) === 0 ? undefined : Number(v));
      }),
    );
  });

  test('flags, env and Go-style single dashes', () => {
    process.env.DEMO_JSON = '1';
    process.env.DEMO_SELECT = 'round-robin';
    const p = parse(['client', '-interval', '200ms', '--count', '5', '--discovery', 'dns', '--timeout=500ms'], {
      CONSUL_DNS_ADDR: '127.0.0.5:8601',
    }).run();
    expect(p).toMatchObject({
      mode: 'client',
      options: {
        intervalMs: 200,
        count: 5,
        json: true,
        select: 'round-robin',
        discovery: 'dns',
        timeoutMs: 500,
        consulDns: { host: '127.0.0.5', port: 8601 },
      },
    });
    // DNS only: CONSUL_HTTP_ADDR is not used, so not required to be valid
    expect(p.mode === 'client' && p.options.consulHttp).toBeUndefined();
  });

  test("--dns-lookup: srv by default, srv+a (the original's lookup) by flag or DEMO_DNS_LOOKUP", () => {
    expect(parse(['client', '--dns-lookup', 'srv+a']).run()).toMatchObject({ options: { dnsLookup: 'srv+a' } });
    process.env.DEMO_DNS_LOOKUP = 'srv+a';
    expect(parse(['client']).run()).toMatchObject({ options: { dnsLookup: 'srv+a' } });
    expect(parse(['client', '--dns-lookup', 'srv']).run()).toMatchObject({ options: { dnsLookup: 'srv' } });
  });

  test('DEMO_JSON is read strictly', () => {
    expect(parseBoolEnv('DEMO_JSON', 'true')).toBe(true);
    expect(parseBoolEnv('DEMO_JSON', '0')).toBe(false);
    expect(() => parseBoolEnv('DEMO_JSON', 'maybe')).toThrow(/DEMO_JSON: expected true\/false/);
  });
});

describe('bad input: one line naming it, exit 2', () => {
  test.each<[string, string[], NodeJS.ProcessEnv, RegExp]>([
    ['unknown flag', ['server', '--bogus'], {}, /unknown option '--bogus'/],
    ['-version v3', ['server', '-version', 'v3'], {}, /--version <v1\|v2>' argument 'v3' is invalid\. expected v1, v2 or random/],
    ['bad advertise', ['server', '--advertise', '0.0.0.0'], {}, /--advertise <ip>' argument '0.0.0.0' is invalid/],
    ['bad bind', ['server', '--bind', 'localhost:80'], {}, /--bind <ip>' argument 'localhost:80' is invalid\. expected an IPv4 address/],
    ['bad restart range', ['server', '--restart-every', '10-5s'], {}, /--restart-every <range>' argument '10-5s' is invalid/],
    ['bad CONSUL_HTTP_ADDR', ['server'], { CONSUL_HTTP_ADDR: 'ftp://x:1' }, /CONSUL_HTTP_ADDR: scheme must be http or https/],
    ['bad CONSUL_HTTP_ADDR port', ['client'], { CONSUL_HTTP_ADDR: '127.0.0.1:99999' }, /CONSUL_HTTP_ADDR/],
    ['bad CONSUL_DNS_ADDR', ['client'], { CONSUL_DNS_ADDR: 'not a host' }, /CONSUL_DNS_ADDR: /],
    ['host name in CONSUL_DNS_ADDR', ['client'], { CONSUL_DNS_ADDR: 'consul-agent:8600' }, /CONSUL_DNS_ADDR: must be an IP address/],
    ['unknown mode', ['serve'], {}, /unknown command 'serve'/],
    ['no mode', [], {}, /missing mode/],
    ['bad selection', ['client', '--select', 'first'], {}, /expected one of random, round-robin/],
    ['bad discovery', ['client', '--discovery', 'mdns'], {}, /expected one of alternate, dns, http/],
    ['bad dns lookup', ['client', '--dns-lookup', 'a'], {}, /expected one of srv, srv\+a/],
    ['bad count', ['client', '--count', '-1'], {}, /--count/],
    [
      'zero interval',
      ['client', '--interval', '0'],
      {},
      /--interval <duration>' argument '0' is invalid\. --interval: "0" is out of range \(allowed: 10ms to 24h\)/,
    ],
    // Beyond Node's timer limit (~24.8 days) a timer fires after 1 ms: refused up front, for every duration.
    [
      '--restart-every beyond the timer limit',
      ['server', '--restart-every', '99999999999m'],
      {},
      /--restart-every: "99999999999m" is out of range \(allowed: 0 \(off\) or 100ms to 24h\)/,
    ],
    [
      '--restart-every range beyond it',
      ['server', '--restart-every', '5-99999999999m'],
      {},
      /--restart-every: "99999999999m" is out of range/,
    ],
    ['--restart-every 0-10s (off mixed with on)', ['server', '--restart-every', '0-10s'], {}, /--restart-every: "0-10s" is out of range/],
    ['--restart-every 1ms', ['server', '--restart-every', '1ms'], {}, /--restart-every: "1ms" is out of range/],
    ['--drain huge', ['server', '--drain', '99999999999m'], {}, /--drain: "99999999999m" is out of range \(allowed: 0s to 1m\)/],
    ['--drain 2m', ['server', '--drain', '2m'], {}, /--drain: "2m" is out of range/],
    [
      '--idle-timeout huge',
      ['server', '--idle-timeout', '99999999999m'],
      {},
      /--idle-timeout: "99999999999m" is out of range \(allowed: 100ms to 24h\)/,
    ],
    ['--line-timeout 0', ['server', '--line-timeout', '0'], {}, /--line-timeout: "0" is out of range \(allowed: 10ms to 10m\)/],
    [
      '--max-connections 0',
      ['server', '--max-connections', '0'],
      {},
      /--max-connections: expected a whole number from 1 to 1000000, got "0"/,
    ],
    ['--max-connections 1e21', ['server', '--max-connections', '1e21'], {}, /--max-connections: expected a whole number/],
    [
      '--max-reply-backlog 1k',
      ['server', '--max-reply-backlog', '1k'],
      {},
      /--max-reply-backlog: "1k" is out of range \(allowed: 64KiB to 64MiB\)/,
    ],
    ['--max-reply-backlog junk', ['server', '--max-reply-backlog', '1 GB'], {}, /--max-reply-backlog: expected a size like 1MiB/],
    ['--timeout huge', ['client', '--timeout', '30d'], {}, /--timeout <duration>' argument '30d' is invalid/],
    [
      '--discovery-timeout huge',
      ['client', '--discovery-timeout', '9999999999ms'],
      {},
      /--discovery-timeout: "9999999999ms" is out of range \(allowed: 10ms to 5m\)/,
    ],
    ['--retry-delay huge', ['client', '--retry-delay', '1h'], {}, /--retry-delay: "1h" is out of range \(allowed: 0s to 1m\)/],
    ['--count huge', ['client', '--count', '99999999999999999999'], {}, /--count: expected a whole number from 0 to 1000000000/],
    ['extra argument', ['client', 'extra'], {}, /too many arguments|unknown command|excess/],
  ])('%s', async (_name, args, env, message) => {
    const { code, lines } = await exitOf(args, env);
    expect(code).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^consul-demo: error: /);
    expect(lines[0]).toMatch(message);
  });

  test.each<[string, string]>([
    ['DEMO_RESTART_EVERY', '99999999999m'],
    ['DEMO_DRAIN', '99999999999m'],
    ['DEMO_IDLE_TIMEOUT', '99999999999m'],
    ['DEMO_MAX_CONNECTIONS', '0'],
    ['DEMO_MAX_REPLY_BACKLOG', '1'],
    ['DEMO_INTERVAL', '0'],
  ])('a value out of range in %s is named with the variable', async (name, value) => {
    process.env[name] = value;
    const { code, lines } = await exitOf([name === 'DEMO_INTERVAL' ? 'client' : 'server']);
    expect(code).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`from env '${name}' is invalid`);
  });

  test('a bad env var is named', async () => {
    process.env.DEMO_VERSION = 'v3';
    const { code, lines } = await exitOf(['server']);
    expect(code).toBe(2);
    expect(lines[0]).toMatch(/from env 'DEMO_VERSION' is invalid/);
  });

  test('--help is not an error', async () => {
    const { run } = parse(['server', '--help']);
    let thrown: unknown;
    try {
      run();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CommanderError);
    expect((thrown as CommanderError).exitCode).toBe(0);
  });
});

test('goStyleFlags rewrites only known long names and stops at --', () => {
  const known = new Set(['version', 'bind']);
  expect(goStyleFlags(['server', '-version', 'v1', '-bind=1.2.3.4', '-h', '-x', '--', '-version'], known)).toEqual([
    'server',
    '--version',
    'v1',
    '--bind=1.2.3.4',
    '-h',
    '-x',
    '--',
    '-version',
  ]);
});

describe('ranges for open-ended input (property-based)', () => {
  const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const durationArb = fc.tuple(
    fc.oneof(fc.nat({ max: 2000 }), fc.nat(), fc.constantFrom(0, 99, 100, 60, 1440, 99999999999)),
    fc.constantFrom('ms', 's', 'm', 'h'),
  );

  test.each<[string, string, 'server' | 'client', { minMs: number; maxMs: number; zeroAllowed?: boolean }]>([
    ['--drain', 'drainMs', 'server', RANGES.drain],
    ['--idle-timeout', 'idleTimeoutMs', 'server', RANGES.idleTimeout],
    ['--line-timeout', 'lineTimeoutMs', 'server', RANGES.lineTimeout],
    ['--interval', 'intervalMs', 'client', RANGES.interval],
    ['--retry-delay', 'retryDelayMs', 'client', RANGES.retryDelay],
  ])('%s: accepted exactly when within its range; otherwise one line naming it, exit 2', async (flag, key, mode, range) => {
    await fc.assert(
      fc.asyncProperty(durationArb, async ([n, unit]) => {
        const ms = n * UNITS[unit]!;
        const inRange = ms >= range.minMs && ms <= range.maxMs;
        const { code, lines } = await exitOf([mode, flag, `${n}${unit}`]);
        if (inRange) {
          expect(code).toBe(0);
          expect((parse([mode, flag, `${n}${unit}`]).run().options as unknown as Record<string, number>)[key]).toBe(ms);
        } else {
          expect(code).toBe(2);
          expect(lines).toHaveLength(1);
          expect(lines[0]).toContain(`${flag}: "${n}${unit}" is out of range`);
        }
      }),
      { numRuns: 150 },
    );
  });

  test('--restart-every: a range within bounds is accepted as [min, max]; anything past the timer limit never is', async () => {
    await fc.assert(
      fc.asyncProperty(durationArb, durationArb, async ([a, ua], [b]) => {
        const value = `${a}-${b}${ua}`;
        const lo = a * UNITS[ua]!;
        const hi = b * UNITS[ua]!;
        const { code, lines } = await exitOf(['server', '--restart-every', value]);
        // `0-0` is `0`: never.
        const ok = (lo === 0 && hi === 0) || (lo <= hi && lo >= 100 && hi <= 24 * 3_600_000);
        expect(code).toBe(ok ? 0 : 2);
        if (!ok) expect(lines).toHaveLength(1);
        if (hi > 2 ** 31 - 1) expect(code).toBe(2);
      }),
      { numRuns: 150 },
    );
  });

  test('--max-reply-backlog: any size in any unit is accepted exactly within 64KiB..64MiB', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.nat({ max: 100_000_000 }), fc.nat({ max: 100 })),
        fc.constantFrom('', 'k', 'KiB', 'm', 'MiB', 'B'),
        async (n, unit) => {
          const bytes = n * ({ '': 1, B: 1, k: 1024, KiB: 1024, m: 1024 * 1024, MiB: 1024 * 1024 } as Record<string, number>)[unit]!;
          const ok = bytes >= 64 * 1024 && bytes <= 64 * 1024 * 1024;
          const { code } = await exitOf(['server', '--max-reply-backlog', `${n}${unit}`]);
          expect(code).toBe(ok ? 0 : 2);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('CONSUL_HTTP_ADDR: any host:port form (IPv4, [IPv6], names, with or without scheme) parses at start-up, or exits 2 naming it without echoing credentials', async () => {
    const ipv6 = fc.constantFrom('::1', '::', 'fe80::1', '2001:db8::8a2e:370:7334', '::ffff:127.0.0.1');
    const host = fc.oneof(
      fc.ipV4(),
      ipv6.map((h) => `[${h}]`),
      fc.domain(),
      ipv6,
    );
    const port = fc.oneof(fc.integer({ min: 1, max: 65535 }).map(String), fc.constantFrom('0', '65536', 'x', ''));
    const scheme = fc.constantFrom('', 'http://', 'https://', 'ftp://');
    const creds = fc.constantFrom('', 'user:s3cr3t-pw@', 'tok3n-only@');
    await fc.assert(
      fc.asyncProperty(scheme, creds, host, fc.option(port, { nil: undefined }), async (sch, cred, h, p) => {
        const value = `${sch}${cred}${h}${p === undefined ? '' : `:${p}`}`;
        const { code, lines } = await exitOf(['server'], { CONSUL_HTTP_ADDR: value });
        if (code === 0) {
          const parsed = parse(['server'], { CONSUL_HTTP_ADDR: value }).run();
          expect(parsed.mode === 'server' && parsed.options.consulHttp.host).toBe(h.replace(/^\[|\]$/g, '').toLowerCase());
        } else {
          expect(code).toBe(2);
          expect(lines).toHaveLength(1);
          expect(lines[0]).toMatch(/^consul-demo: error: CONSUL_HTTP_ADDR: /);
        }
        // Never echoed, accepted or not.
        expect(lines.join('\n')).not.toMatch(/s3cr3t-pw|tok3n-only/);
      }),
      { numRuns: 300 },
    );
  });
});

test("commander's error quoting a bad value is redacted (a password in it never reaches stderr)", async () => {
  const r = await exitOf(['server', '--advertise', 'http://u:secretpw@x']);
  expect(r.code).toBe(2);
  expect(r.lines).toHaveLength(1);
  expect(r.lines[0]).toMatch(/--advertise <ip>' argument/);
  expect(r.lines.join('\n')).not.toContain('secretpw');
});
