import { CommanderError } from 'commander';
import fc from 'fast-check';
import { isIP } from 'node:net';
import { UsageError } from '../shared/errors';
import { formatIpPort, parseIpPort } from './address';
import { parseInventoryClientArgs } from './options';

/** Parse as the program does, with this env; commander's error lines collected instead of printed. */
function parse(args: string[], env: NodeJS.ProcessEnv = {}) {
  const err: string[] = [];
  const run = () =>
    parseInventoryClientArgs(['node', 'inventory-client', ...args], env, { writeErr: (s) => err.push(s), writeOut: () => undefined });
  return { run, err };
}

test('defaults: the upstream on loopback, every second, no TLS probe, status on 8092, text', () => {
  expect(parse([]).run()).toEqual({
    target: { host: '127.0.0.1', port: 16380 },
    everyMs: 1000,
    timeoutMs: 1000,
    tlsProbe: undefined,
    tlsEveryMs: 5000,
    statusPort: 8092,
    json: false,
    logFormat: 'text',
  });
});

test('flags', () => {
  const o = parse([
    '--target',
    '127.0.0.1:7000',
    '--every',
    '200ms',
    '--timeout',
    '2s',
    '--tls-probe',
    '10.213.50.22:21000',
    '--tls-every',
    '1m',
    '--status-port',
    '9000',
    '--json',
  ]).run();
  expect(o).toMatchObject({
    target: { host: '127.0.0.1', port: 7000 },
    everyMs: 200,
    timeoutMs: 2000,
    tlsProbe: { host: '10.213.50.22', port: 21000 },
    tlsEveryMs: 60_000,
    statusPort: 9000,
    json: true,
  });
});

test('env, a flag winning over it, an empty variable counting as unset', () => {
  const env = {
    INVENTORY_TARGET: '[::1]:16380',
    INVENTORY_EVERY: '30s',
    INVENTORY_TLS_PROBE: '10.213.50.22:21000',
    INVENTORY_STATUS_PORT: '',
    INVENTORY_JSON: '1',
    LOG_FORMAT: 'json',
  };
  expect(parse([], env).run()).toMatchObject({
    target: { host: '::1', port: 16380 },
    everyMs: 30_000,
    tlsProbe: { host: '10.213.50.22', port: 21000 },
    statusPort: 8092,
    json: true,
    logFormat: 'json',
  });
  expect(parse(['--every', '2s', '--target', '127.0.0.1:1'], env).run()).toMatchObject({ everyMs: 2000, target: { port: 1 } });
  expect(parse([], { INVENTORY_TLS_PROBE: '', INVENTORY_JSON: '0' }).run()).toMatchObject({ tlsProbe: undefined, json: false });
});

test.each([
  [['--tls-probe', 'host-b:21000'], {}, /^--tls-probe: expected an IP address \(not a host name\)/],
  [[], { INVENTORY_TLS_PROBE: 'localhost:21000' }, /^INVENTORY_TLS_PROBE: expected an IP address \(not a host name\)/],
  [['--target', '127.0.0.1'], {}, /^--target: expected an IP address and port/],
  [['--target', '0.0.0.0:16380'], {}, /wildcard/],
  [['--target', '::1:16380'], {}, /brackets/],
  [['--target', '127.0.0.1:0'], {}, /port must be 1 to 65535/],
  [[], { INVENTORY_EVERY: '100ms' }, /^INVENTORY_EVERY: "100ms" is out of range \(allowed: 200ms to 1m\)/],
  [[], { INVENTORY_STATUS_PORT: '70000' }, /^INVENTORY_STATUS_PORT: expected a whole number from 1 to 65535/],
  [[], { INVENTORY_JSON: 'maybe' }, /^INVENTORY_JSON: expected true\/false/],
  [[], { LOG_FORMAT: 'xml' }, /^LOG_FORMAT: expected text or json/],
])('bad input %j %j: one UsageError line', (args, env, message) => {
  const { run } = parse(args, env);
  expect(run).toThrow(UsageError);
  expect(run).toThrow(message);
});

test.each([
  [['--every', '100ms'], /--every: "100ms" is out of range \(allowed: 200ms to 1m\)/],
  [['--every', '2m'], /out of range/],
  [['--timeout', 'soon'], /--timeout: expected a duration/],
  [['--nope'], /unknown option/],
])('bad flag %j: commander says so in one line (exit 2 by runCli)', (args, message) => {
  const { run, err } = parse(args);
  expect(run).toThrow(CommanderError);
  expect(err.join('')).toMatch(message);
  expect(err.join('').trimEnd().split('\n')).toHaveLength(1);
});

test('a value with a newline and an escape in it is still one terminal-safe line', () => {
  const { run, err } = parse(['--every', 'x\n\u001b[2Jy']);
  expect(run).toThrow(CommanderError);
  const line = err.join('').trimEnd();
  expect(line.split('\n')).toHaveLength(1);
  expect(line).not.toContain('\u001b');
});

describe('parseIpPort', () => {
  test('examples', () => {
    expect(parseIpPort('10.213.50.22:21000', 'x')).toEqual({ host: '10.213.50.22', port: 21000 });
    expect(parseIpPort('[fe80::1]:1', 'x')).toEqual({ host: 'fe80::1', port: 1 });
    expect(() => parseIpPort('[::]:1', 'x')).toThrow(/wildcard/);
    expect(() => parseIpPort('1.2.3.4:65536', 'x')).toThrow(/port/);
    expect(() => parseIpPort('1.2.3.4:021000x', 'x')).toThrow(UsageError);
    expect(() => parseIpPort('', 'x')).toThrow(UsageError);
  });

  const portText = fc.oneof(fc.integer({ min: -10, max: 70_000 }).map(String), fc.string({ maxLength: 6 }));
  const hostText = fc.oneof(
    fc.ipV4(),
    fc.ipV6().map((h) => `[${h}]`),
    fc.ipV6(),
    fc.domain(),
    fc.string({ maxLength: 30 }),
  );
  const addressLike = fc.tuple(hostText, portText).map(([h, p]) => `${h}:${p}`);

  test('property: any string parses to a valid IP:port (which formats back to itself) or is one UsageError line', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }), addressLike), (s) => {
        let parsed;
        try {
          parsed = parseIpPort(s, '--tls-probe');
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
          const message = (err as Error).message;
          expect(message).toMatch(/^--tls-probe: /);
          // eslint-disable-next-line no-control-regex -- one line, nothing that drives a terminal
          expect(message).not.toMatch(/[\u0000-\u001f\u007f]/);
          expect(message.length).toBeLessThan(200);
          return;
        }
        expect(isIP(parsed.host)).not.toBe(0);
        expect(Number.isInteger(parsed.port) && parsed.port >= 1 && parsed.port <= 65_535).toBe(true);
        expect(parseIpPort(formatIpPort(parsed), 'x')).toEqual(parsed);
      }),
      { numRuns: 2000 },
    );
  });
});
