import { CommanderError } from 'commander';
import { runCli } from '../shared/cli';
import { UsageError } from '../shared/errors';
import { ParseIo, goStyleFlags, parseArgs, parseBoolEnv, parseVersion } from './options';

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
        drainMs: 500,
        lineTimeoutMs: 5000,
        idleTimeoutMs: 30000,
        maxConnections: 1024,
        maxReplyBacklogBytes: 1024 * 1024,
        logFormat: 'text',
        consulHttp: { host: '127.0.0.1', port: 8500, secure: false },
      },
    });
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
      },
    });
  });

  test('flags, env and Go-style single dashes', () => {
    process.env.DEMO_JSON = '1';
    process.env.DEMO_SELECT = 'round-robin';
    const p = parse(['client', '-interval', '200ms', '--count', '5', '--discovery', 'dns', '--timeout=500ms'], { CONSUL_DNS_ADDR: '127.0.0.5:8601' }).run();
    expect(p).toMatchObject({
      mode: 'client',
      options: { intervalMs: 200, count: 5, json: true, select: 'round-robin', discovery: 'dns', timeoutMs: 500, consulDns: { host: '127.0.0.5', port: 8601 } },
    });
    // DNS only: CONSUL_HTTP_ADDR is not used, so not required to be valid
    expect(p.mode === 'client' && p.options.consulHttp).toBeUndefined();
  });

  test('--dns-lookup: srv by default, srv+a (the original\'s lookup) by flag or DEMO_DNS_LOOKUP', () => {
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
    ['zero interval', ['client', '--interval', '0'], {}, /--interval <duration>' argument '0' is invalid\. must be more than 0/],
    ['extra argument', ['client', 'extra'], {}, /too many arguments|unknown command|excess/],
  ])('%s', async (_name, args, env, message) => {
    const { code, lines } = await exitOf(args, env);
    expect(code).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^consul-demo: error: /);
    expect(lines[0]).toMatch(message);
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
