import { CommanderError } from 'commander';
import { UsageError } from '../shared/errors';
import fc from 'fast-check';
import { COUNT_RANGES, RANGES, checkGithubApiForToken, checkServiceForInstance, parseServiceChoice, parseWorkshopArgs } from './options';

const env = { CONSUL_HTTP_ADDR: '127.0.0.1:8500' } as NodeJS.ProcessEnv;
const parse = (args: string[], e: NodeJS.ProcessEnv = env) => parseWorkshopArgs(['node', 'workshop-api', ...args], e);

/** The one line commander prints for a bad value (it goes to stderr; captured here). */
function badValue(args: string[], e: NodeJS.ProcessEnv = env): string {
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    parse(args, e);
  } catch (err) {
    expect(err).toBeInstanceOf(CommanderError);
    expect((err as CommanderError).exitCode).not.toBe(0);
    const out = spy.mock.calls.map((c) => String(c[0])).join('');
    expect(out.trim().split('\n')).toHaveLength(1);
    return out.trim();
  } finally {
    spy.mockRestore();
  }
  throw new Error(`expected ${args.join(' ')} to be refused`);
}

test('defaults: 2 s check, 2 s re-register interval (a vanished registration is back within 5 s), 2 s drain', () => {
  const o = parse([]);
  expect(o).toMatchObject({ register: true, registerAttempts: 40, drainDelayMs: 2000, reregisterIntervalMs: 2000, logFormat: 'text' });
  expect(o.check).toEqual({
    enabled: true,
    intervalMs: 2000,
    timeoutMs: 1000,
    successBeforePassing: 1,
    failuresBeforeCritical: 1,
    deregisterCriticalAfterMs: 60_000,
  });
  expect(o.consulHttp).toEqual({ host: '127.0.0.1', port: 8500, secure: false });
});

test.each([
  ['--check-interval', RANGES.checkInterval],
  ['--check-timeout', RANGES.checkTimeout],
  ['--deregister-after', RANGES.deregisterAfter],
  ['--drain-delay', RANGES.drainDelay],
  ['--reregister-interval', RANGES.reregisterInterval],
])('%s: both ends of its range accepted, one past each end refused in one line', (flag, range) => {
  const key = {
    '--check-interval': 'intervalMs',
    '--check-timeout': 'timeoutMs',
    '--deregister-after': 'deregisterCriticalAfterMs',
  } as const;
  const read = (o: ReturnType<typeof parse>): number =>
    flag in key
      ? (o.check as unknown as Record<string, number>)[key[flag as keyof typeof key]]!
      : flag === '--drain-delay'
        ? o.drainDelayMs
        : o.reregisterIntervalMs;
  expect(read(parse([flag, `${range.maxMs}ms`]))).toBe(range.maxMs);
  expect(read(parse([flag, `${range.minMs}ms`]))).toBe(range.minMs);
  expect(badValue([flag, `${range.maxMs + 1}ms`])).toMatch(new RegExp(`${flag}: "${range.maxMs + 1}ms" is out of range`));
  if (range.minMs > 0) expect(badValue([flag, `${range.minMs - 1}ms`])).toMatch(/is out of range/);
});

test('0 means never/off where that makes sense, and only there', () => {
  expect(parse(['--reregister-interval', '0']).reregisterIntervalMs).toBe(0);
  expect(parse(['--deregister-after', '0']).check.deregisterCriticalAfterMs).toBe(0);
  expect(parse(['--drain-delay', '0']).drainDelayMs).toBe(0);
  expect(badValue(['--check-interval', '0'])).toMatch(/^workshop-api: .*--check-interval: "0" is out of range \(allowed: 1s to 10m\)$/);
  expect(badValue(['--check-timeout', '0'])).toMatch(/--check-timeout: "0" is out of range/);
});

test('WORKSHOP_CHECK_INTERVAL goes through the same range', () => {
  expect(parse([], { ...env, WORKSHOP_CHECK_INTERVAL: '10s' }).check.intervalMs).toBe(10_000);
  expect(() => parse([], { ...env, WORKSHOP_CHECK_INTERVAL: '0' })).toThrow(
    'WORKSHOP_CHECK_INTERVAL: "0" is out of range (allowed: 1s to 10m)',
  );
  expect(parse(['--check-interval', '3s'], { ...env, WORKSHOP_CHECK_INTERVAL: '10s' }).check.intervalMs).toBe(3000); // flag > env
});

test.each([
  ['--success-before-passing', COUNT_RANGES.successBeforePassing],
  ['--failures-before-critical', COUNT_RANGES.failuresBeforeCritical],
  ['--register-attempts', COUNT_RANGES.registerAttempts],
])('%s: whole numbers within its range', (flag, range) => {
  expect(() => parse([flag, String(range.max)])).not.toThrow();
  for (const v of [String(range.min - 1), String(range.max + 1), '1.5', '1e3', '99999999999999999999']) {
    expect(badValue([flag, v])).toMatch(new RegExp(`${flag}: expected a whole number from ${range.min} to ${range.max}`));
  }
});

test('CONSUL_HTTP_ADDR is parsed up front: IPv6 forms accepted, bad ones a UsageError naming it, no credentials echoed', () => {
  expect(parse([], { CONSUL_HTTP_ADDR: '[::1]:8500' }).consulHttp).toEqual({ host: '::1', port: 8500, secure: false });
  expect(parse([], { CONSUL_HTTP_ADDR: 'http://[::1]:8500' }).consulHttp.host).toBe('::1');
  expect(() => parse([], { CONSUL_HTTP_ADDR: '::1:8500' })).toThrow(UsageError);
  expect(() => parse([], { CONSUL_HTTP_ADDR: 'http://u:pw-s3cret@h:1' })).toThrow(/^CONSUL_HTTP_ADDR: credentials.*\[redacted\]@h:1/);
});

test('--check-scope: service by default, node on request (flag or WORKSHOP_CHECK_SCOPE, the flag wins), anything else exit 2', () => {
  expect(parse([]).checkScope).toBe('service');
  expect(parse(['--check-scope', 'node']).checkScope).toBe('node');
  expect(parse(['--check-scope', 'service']).checkScope).toBe('service');
  expect(parse([], { ...env, WORKSHOP_CHECK_SCOPE: 'node' }).checkScope).toBe('node');
  expect(parse([], { ...env, WORKSHOP_CHECK_SCOPE: '' }).checkScope).toBe('service'); // empty = unset, as Compose passes it
  expect(parse(['--check-scope', 'service'], { ...env, WORKSHOP_CHECK_SCOPE: 'node' }).checkScope).toBe('service');
  expect(() => parse(['--check-scope', 'Node'])).toThrow(UsageError);
  expect(() => parse(['--check-scope', 'host'])).toThrow('--check-scope: "host" is not a check scope (allowed: service, node)');
  expect(() => parse([], { ...env, WORKSHOP_CHECK_SCOPE: 'nodes' })).toThrow(/^WORKSHOP_CHECK_SCOPE: "nodes" is not a check scope/);
  expect(() => parse(['--check-scope', 'node', '--no-check'])).toThrow('--check-scope node needs a check: drop --no-check');
});

describe('--avatars and --github-api', () => {
  test('defaults: github avatars from https://api.github.com', () => {
    expect(parse([])).toMatchObject({ avatars: 'github', githubApi: 'https://api.github.com' });
  });

  test('flag over env; empty env = unset; trailing slashes dropped', () => {
    expect(parse(['--avatars', 'generated']).avatars).toBe('generated');
    expect(parse([], { ...env, WORKSHOP_AVATARS: 'generated' }).avatars).toBe('generated');
    expect(parse(['--avatars', 'github'], { ...env, WORKSHOP_AVATARS: 'generated' }).avatars).toBe('github');
    expect(parse([], { ...env, WORKSHOP_AVATARS: '' }).avatars).toBe('github');
    expect(parse(['--github-api', 'https://ghe.example.com/api/v3/']).githubApi).toBe('https://ghe.example.com/api/v3');
    expect(parse([], { ...env, WORKSHOP_GITHUB_API: 'http://127.0.0.1:9999' }).githubApi).toBe('http://127.0.0.1:9999');
  });

  test('bad values: exit 2 naming the source; credentials never shown', () => {
    expect(() => parse(['--avatars', 'gravatar'])).toThrow(
      new UsageError('--avatars: "gravatar" is not an avatar mode (allowed: github, generated)'),
    );
    expect(() => parse([], { ...env, WORKSHOP_AVATARS: 'x' })).toThrow(/^WORKSHOP_AVATARS: "x"/);
    expect(() => parse(['--github-api', 'ftp://example.com'])).toThrow(/--github-api: .* must be an http\(s\) URL/);
    expect(() => parse(['--github-api', 'not a url'])).toThrow(/--github-api: "not a url" is not a URL/);
    expect(() => parse(['--github-api', 'https://h/api?x=1'])).toThrow(/query or fragment/);
    for (const bad of ['https://user:s3cretPass@api.github.com', 'https://ghp_tok3nValue@api.github.com']) {
      let msg = '';
      try {
        parse([], { ...env, WORKSHOP_GITHUB_API: bad });
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        msg = (err as Error).message;
      }
      expect(msg).toMatch(/^WORKSHOP_GITHUB_API: credentials in the URL are not supported/);
      expect(msg).not.toMatch(/s3cretPass|ghp_tok3nValue/);
    }
  });
});

describe('a token over plain http', () => {
  test('refused (exit 2) for a host that is not loopback, naming the URL, never the token', () => {
    for (const api of ['http://ghe.example.com/api/v3', 'http://10.0.0.5:8080', 'http://127.0.0.1.nip.io', 'http://[::2]']) {
      let err: unknown;
      try {
        checkGithubApiForToken(api, true);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toBe(
        `--github-api/WORKSHOP_GITHUB_API "${api}": plain http would send the token unencrypted; use https (http only to a loopback host)`,
      );
    }
  });

  test('allowed: https anywhere, http to loopback (the tests use stand-ins there), anything without a token', () => {
    for (const api of [
      'https://api.github.com',
      'http://127.0.0.1:9999',
      'http://127.8.9.10',
      'http://localhost:3000/api',
      'http://[::1]:9',
    ]) {
      expect(() => checkGithubApiForToken(parse(['--github-api', api]).githubApi, true)).not.toThrow();
    }
    expect(() => checkGithubApiForToken('http://ghe.example.com/api/v3', false)).not.toThrow();
  });
});

describe('--service / WORKSHOP_SERVICE', () => {
  const choose = (args: string[], e: NodeJS.ProcessEnv = env) => checkServiceForInstance(parse(args, e).service, 'workshop-alice');

  test('default workshop; the instance ID accepted from the flag or the env; the flag wins; empty env = unset', () => {
    expect(choose([])).toBe('workshop');
    expect(choose(['--service', 'workshop-alice'])).toBe('workshop-alice');
    expect(choose([], { ...env, WORKSHOP_SERVICE: 'workshop-alice' })).toBe('workshop-alice');
    expect(choose(['--service', 'workshop'], { ...env, WORKSHOP_SERVICE: 'workshop-alice' })).toBe('workshop');
    expect(choose([], { ...env, WORKSHOP_SERVICE: '' })).toBe('workshop');
  });

  test('another name is a usage error naming where it came from, at parse time when it is not workshop-*', () => {
    expect(() => parse(['--service', 'other'])).toThrow(UsageError);
    expect(() => parse(['--service', 'other'])).toThrow(/^--service: "other" is not/);
    expect(() => parse([], { ...env, WORKSHOP_SERVICE: 'workshopx' })).toThrow(/^WORKSHOP_SERVICE: "workshopx" is not/);
    expect(() => choose(['--service', 'workshop-bob'])).toThrow(UsageError);
    expect(() => choose(['--service', 'workshop-bob'])).toThrow(/^--service: "workshop-bob" is not .*own ID "workshop-alice"/);
    expect(() => choose([], { ...env, WORKSHOP_SERVICE: 'workshop-alice|passing' })).toThrow(/^WORKSHOP_SERVICE: /);
  });

  test('property: accepted exactly when the name is "workshop" or the instance ID, and then returned as is', () => {
    const id = fc.stringMatching(/^[a-z0-9]{1,8}$/).map((n) => `workshop-${n}`);
    const name = fc.oneof(
      fc.constant('workshop'),
      id,
      fc.string({ maxLength: 20 }),
      fc.string({ maxLength: 12 }).map((s) => `workshop${s}`),
    );
    fc.assert(
      fc.property(name, id, fc.constantFrom<'--service' | 'WORKSHOP_SERVICE'>('--service', 'WORKSHOP_SERVICE'), (n, own, source) => {
        const allowed = n === 'workshop' || n === own;
        let result: string | undefined;
        let error: unknown;
        try {
          result = checkServiceForInstance(
            parseServiceChoice(source === '--service' ? n : undefined, source === 'WORKSHOP_SERVICE' ? n : undefined),
            own,
          );
        } catch (err) {
          error = err;
        }
        // An empty WORKSHOP_SERVICE is unset: the default.
        if (source === 'WORKSHOP_SERVICE' && n === '') return result === 'workshop';
        if (allowed) return result === n;
        return error instanceof UsageError && error.message.startsWith(`${source}: ${JSON.stringify(n)} `);
      }),
    );
  });
});
