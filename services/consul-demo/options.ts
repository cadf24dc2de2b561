import { Command, Option } from 'commander';
import { isIP, isIPv4 } from 'node:net';
import { argParser, countOption, createProgram, durationOption, durationRangeHelp } from '../shared/cli';
import { ConsulHttpAddress, HostPort } from '../shared/consul/address';
import { consulDnsAddrFromEnv, consulHttpAddrFromEnv } from '../shared/consul/client';
import { type DurationRange, parseDurationRange } from '../shared/duration';
import { UsageError } from '../shared/errors';
import { LogFormat, parseLogFormat } from '../shared/logger';
import { type IntRange, parseIntInRange } from '../shared/numbers';
import { defaultAdvertiseAddress, isWildcardAddress } from '../shared/network';
import { redactSecrets } from '../shared/secrets';
import { DISCOVERY_MODES, DiscoveryMode } from './client';
import { DEFAULT_MAX_REPLY_BACKLOG_BYTES } from './connection';
import { DNS_LOOKUP_MODES, DnsLookupMode } from './discovery/dns';
import { Version } from './protocol';
import { SELECTION_MODES, SelectionMode } from './selection';
import { STATUS_RESULTS_KEPT } from './statusServer';
import { BREAK_BEFORE_MAKE, RESTART_MODES, type RestartMode } from './names';
import type { ServerSettings } from './server';

export interface ServerOptions extends ServerSettings {
  logFormat: LogFormat;
  consulHttp: ConsulHttpAddress;
  /** Where to write the instance prefix at start (for a container healthcheck); undefined = nowhere. */
  instanceFile: string | undefined;
}

export interface ClientOptions {
  intervalMs: number;
  count: number;
  json: boolean;
  select: SelectionMode;
  discovery: DiscoveryMode;
  /** DNS: address from the SRV record (srv) or from a separate A query (srv+a, the original's way; a benchmark baseline). */
  dnsLookup: DnsLookupMode;
  timeoutMs: number;
  discoveryTimeoutMs: number;
  retryDelayMs: number;
  logFormat: LogFormat;
  /** Only the addresses the chosen discovery uses are read (and must be valid). */
  consulHttp: ConsulHttpAddress | undefined;
  consulDns: HostPort | undefined;
  /** Serve GET /results and /health here; undefined = off. */
  statusPort: number | undefined;
  statusBind: string;
}

export type ParsedArgs = { mode: 'server'; options: ServerOptions } | { mode: 'client'; options: ClientOptions };

// ---- value parsers: throw UsageError with what was expected; commander adds the flag (or env var) and value.

export function parseVersion(value: string): Version | undefined {
  if (value === 'v1' || value === 'v2') return value;
  // "random" (or empty, as Compose passes an unset variable) = not locked.
  if (value === '' || value === 'random') return undefined;
  throw new UsageError('expected v1, v2 or random');
}

function parseIPv4(value: string, allowWildcard: boolean): string {
  if (!isIPv4(value)) throw new UsageError('expected an IPv4 address like 10.0.0.5');
  if (!allowWildcard && isWildcardAddress(value)) throw new UsageError('0.0.0.0 is not an address others can reach');
  return value;
}

const HOUR = 3_600_000;

/**
 * What each duration may be, checked while the flags are parsed (one line naming the flag or env var, exit 2),
 * so that no value reaches a timer that would silently change it: Node runs a timer above ~24.8 days after
 * 1 ms (`--restart-every 99999999999m` restarted every 0.55 s).
 */
export const RANGES = {
  /** 0 = never. Below 100 ms the server would spend its life restarting; beyond a day, use 0. */
  restartEvery: { minMs: 100, maxMs: 24 * HOUR, zeroAllowed: true },
  /** It only has to cover lookups made just before the deregistration: seconds, at most a minute. */
  drain: { minMs: 0, maxMs: 60_000 },
  lineTimeout: { minMs: 10, maxMs: 10 * 60_000 },
  idleTimeout: { minMs: 100, maxMs: 24 * HOUR },
  interval: { minMs: 10, maxMs: 24 * HOUR },
  timeout: { minMs: 10, maxMs: 5 * 60_000 },
  discoveryTimeout: { minMs: 10, maxMs: 5 * 60_000 },
  retryDelay: { minMs: 0, maxMs: 60_000 },
} satisfies Record<string, DurationRange>;

const KIB = 1024;
const MIB = 1024 * 1024;

export const COUNT_RANGES = {
  /** 0 = until stopped. */
  count: { min: 0, max: 1_000_000_000 },
  maxConnections: { min: 1, max: 1_000_000 },
} satisfies Record<string, IntRange>;

/** Bounds of `--max-reply-backlog`: below one read's worth of replies (64 KiB) an ordinary pipelining client would be cut off. */
export const REPLY_BACKLOG_RANGE = { min: 64 * KIB, max: 64 * MIB };
export const DEFAULT_MAX_CONNECTIONS = 1024;

/** A duration option, its range in the help, checked with the shared parser (which names the flag). */
const durationOpt = (flags: string, description: string, env: string, range: DurationRange, defaultMs: number): Option =>
  durationOption(flags, description, defaultMs, { range, env });

const countOpt = (flags: string, description: string, env: string, range: IntRange, defaultValue: number): Option =>
  countOption(flags, description, defaultValue, range, env);

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: KIB, kib: KIB, m: MIB, mib: MIB };
const formatSize = (bytes: number): string =>
  bytes % MIB === 0 ? `${bytes / MIB}MiB` : bytes % KIB === 0 ? `${bytes / KIB}KiB` : `${bytes}`;

/** `1MiB`, `512KiB`, `256k`, `2M` or a number of bytes, within REPLY_BACKLOG_RANGE. */
export function parseSize(value: string, what = '--max-reply-backlog'): number {
  const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  const m = /^\s*(\d{1,12})\s*([a-z]*)\s*$/i.exec(value);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`${what}: expected a size like 1MiB, 512KiB or 65536 (bytes), got ${shown}`);
  const bytes = Number(m[1]) * unit;
  const { min, max } = REPLY_BACKLOG_RANGE;
  if (bytes < min || bytes > max)
    throw new UsageError(`${what}: ${shown} is out of range (allowed: ${formatSize(min)} to ${formatSize(max)})`);
  return bytes;
}

function oneOf<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw new UsageError(`expected one of ${allowed.join(', ')}`);
  };
}

function logFormat(value: string): LogFormat {
  try {
    return parseLogFormat(value);
  } catch {
    throw new UsageError('expected text or json');
  }
}

/** Boolean env var, strictly: commander would treat any value of a flag's env var, even "0", as true. */
export function parseBoolEnv(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  throw new UsageError(`${name}: expected true/false (1/0), got "${value}"`);
}

const opt = <T>(flags: string, description: string, env: string, parse: (v: string) => T): Option =>
  new Option(flags, description).env(env).argParser(argParser(parse));

/**
 * The original Go demo used Go's flag package, where `-version v1` and `--version v1` mean the same.
 * Rewrite `-name`/`-name=value` to `--name…` when `name` is one of our long options, so both spellings work
 * (commander alone would read `-version` as a cluster of one-letter flags).
 */
export function goStyleFlags(args: string[], longNames: ReadonlySet<string>): string[] {
  const out: string[] = [];
  let rest = false;
  for (const a of args) {
    if (a === '--') rest = true;
    const m = rest ? null : /^-([a-z][a-z-]+)(=.*)?$/.exec(a);
    out.push(m && longNames.has(m[1]!) ? `-${a}` : a);
  }
  return out;
}

/** A TCP port for the status endpoint; 0 or empty (Compose passing an unset variable) = off. */
export function parseStatusPort(value: string): number | undefined {
  if (value.trim() === '') return undefined;
  const port = parseIntInRange(value, '--status-port', { min: 0, max: 65_535 });
  return port === 0 ? undefined : port;
}

/** A file path; empty (Compose passing an unset variable) = no file. */
export function parseInstanceFile(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.includes('\0')) throw new UsageError('expected a file path');
  return value;
}

/** node's Resolver.setServers takes IP addresses only, so a host name here is bad input, said up front. */
function dnsServer(env: NodeJS.ProcessEnv): HostPort {
  const addr = consulDnsAddrFromEnv(env);
  if (!isIP(addr.host))
    throw new UsageError(
      `CONSUL_DNS_ADDR: must be an IP address and port (the DNS resolver takes no host names), got "${env.CONSUL_DNS_ADDR}"`,
    );
  return addr;
}

interface RawServer {
  version?: Version;
  bind: string;
  advertise?: string;
  restartEvery: [number, number];
  restartMode: RestartMode;
  drain: number;
  lineTimeout: number;
  idleTimeout: number;
  maxConnections: number;
  maxReplyBacklog: number;
  instanceFile?: string;
  logFormat: LogFormat;
}

interface RawClient {
  interval: number;
  count: number;
  json?: boolean;
  select: SelectionMode;
  discovery: DiscoveryMode;
  dnsLookup: DnsLookupMode;
  timeout: number;
  discoveryTimeout: number;
  retryDelay: number;
  statusPort?: number;
  statusBind: string;
  logFormat: LogFormat;
}

export interface ParseIo {
  env?: NodeJS.ProcessEnv;
  writeOut?: (s: string) => void;
  writeErr?: (s: string) => void;
}

export function buildProgram(onServer: (o: RawServer) => void, onClient: (o: RawClient) => void, io: ParseIo = {}): Command {
  const program = createProgram('consul-demo', "A server and a client that find each other only through Consul (the lab's first lesson).");
  // One line even when commander adds a suggestion ("(Did you mean server?)") on a line of its own. This
  // replaces createProgram's writer, so redact here too: commander quotes the bad value, which may hold a password.
  program.configureOutput({ outputError: (str, write) => write(`consul-demo: ${redactSecrets(str.trim().replace(/\s*\n\s*/g, ' '))}\n`) });
  if (io.writeOut || io.writeErr) {
    program.configureOutput({ ...(io.writeOut ? { writeOut: io.writeOut } : {}), ...(io.writeErr ? { writeErr: io.writeErr } : {}) });
  }
  // No program.version(): `--version` is the server's protocol lock, as in the original demo.

  program
    .command('server')
    .description('Listen on a random port, register in Consul, restart every few seconds on a new port.')
    .addOption(
      opt(
        '--version <v1|v2>',
        'lock the protocol (v1: ping/pong, v2: syn/ack); also -version. Default: random per restart',
        'DEMO_VERSION',
        parseVersion,
      ),
    )
    .addOption(opt('--bind <ip>', 'address to listen on', 'DEMO_BIND', (v) => parseIPv4(v, true)).default('0.0.0.0'))
    .addOption(
      opt(
        '--advertise <ip>',
        "address to register (what clients and the health check connect to); default: --bind if specific, else this machine's first non-internal IPv4",
        'DEMO_ADVERTISE',
        (v) => parseIPv4(v, false),
      ),
    )
    .addOption(
      opt(
        '--restart-every <range>',
        `restart after a random time in this range; 0 = never [${durationRangeHelp(RANGES.restartEvery)}]`,
        'DEMO_RESTART_EVERY',
        (v) => parseDurationRange(v, '--restart-every', RANGES.restartEvery),
      ).default([5000, 10000], '5-10s'),
    )
    .addOption(
      opt(
        '--restart-mode <mode>',
        `${RESTART_MODES.join(' or ')}: leave then come back (a gap), or come back on the new port first, then leave`,
        'DEMO_RESTART_MODE',
        oneOf(RESTART_MODES),
      ).default(BREAK_BEFORE_MAKE),
    )
    .addOption(
      durationOpt('--drain <duration>', 'after deregistering, keep answering this long before closing', 'DEMO_DRAIN', RANGES.drain, 500),
    )
    .addOption(
      durationOpt(
        '--line-timeout <duration>',
        'close a connection whose started line does not end within this',
        'DEMO_LINE_TIMEOUT',
        RANGES.lineTimeout,
        5000,
      ),
    )
    .addOption(
      durationOpt('--idle-timeout <duration>', 'close a connection silent for this long', 'DEMO_IDLE_TIMEOUT', RANGES.idleTimeout, 30_000),
    )
    .addOption(
      countOpt(
        '--max-connections <n>',
        'connections served at once; more are refused with one error line (lowered to fit ulimit -n)',
        'DEMO_MAX_CONNECTIONS',
        COUNT_RANGES.maxConnections,
        DEFAULT_MAX_CONNECTIONS,
      ),
    )
    .addOption(
      opt(
        '--max-reply-backlog <size>',
        `unsent replies one connection may hold (a client that does not read); past it the connection is closed [${formatSize(REPLY_BACKLOG_RANGE.min)} to ${formatSize(REPLY_BACKLOG_RANGE.max)}]`,
        'DEMO_MAX_REPLY_BACKLOG',
        (v) => parseSize(v),
      ).default(DEFAULT_MAX_REPLY_BACKLOG_BYTES, formatSize(DEFAULT_MAX_REPLY_BACKLOG_BYTES)),
    )
    .addOption(
      opt(
        '--instance-file <path>',
        "at start, write this process's instance prefix (its service IDs without the -<n>) here, for a healthcheck",
        'DEMO_INSTANCE_FILE',
        parseInstanceFile,
      ),
    )
    .addOption(opt('--log-format <text|json>', 'log line format (stderr)', 'LOG_FORMAT', logFormat).default('text'))
    .addHelpText('after', '\nConsul: CONSUL_HTTP_ADDR (default 127.0.0.1:8500; host:port or http://host:port), CONSUL_HTTP_TOKEN.')
    .action((o: RawServer) => onServer(o));

  program
    .command('client')
    .description('Find a server through Consul (DNS and HTTP API, alternating) once per interval and talk to it.')
    .addOption(durationOpt('--interval <duration>', 'time between requests', 'DEMO_INTERVAL', RANGES.interval, 1000))
    .addOption(
      countOpt('--count <n>', 'stop after n requests and print a summary; 0 = run until stopped', 'DEMO_COUNT', COUNT_RANGES.count, 0),
    )
    .addOption(new Option('--json', 'one JSON object per request on stdout (env DEMO_JSON=1)'))
    .addOption(
      opt('--select <mode>', `how to pick among instances: ${SELECTION_MODES.join(', ')}`, 'DEMO_SELECT', oneOf(SELECTION_MODES)).default(
        'random',
      ),
    )
    .addOption(
      opt(
        '--discovery <mode>',
        `${DISCOVERY_MODES.join(', ')} (alternate: DNS and HTTP API by turns)`,
        'DEMO_DISCOVERY',
        oneOf(DISCOVERY_MODES),
      ).default('alternate'),
    )
    .addOption(
      opt(
        '--dns-lookup <mode>',
        "DNS: srv = address and port from the same SRV record; srv+a = the original demo's port from SRV + address from a separate A query (mixes instances)",
        'DEMO_DNS_LOOKUP',
        oneOf(DNS_LOOKUP_MODES),
      ).default('srv'),
    )
    .addOption(durationOpt('--timeout <duration>', 'one exchange (connect + reply)', 'DEMO_TIMEOUT', RANGES.timeout, 1000))
    .addOption(
      durationOpt('--discovery-timeout <duration>', 'one DNS or HTTP API query', 'DEMO_DISCOVERY_TIMEOUT', RANGES.discoveryTimeout, 2000),
    )
    .addOption(
      durationOpt(
        '--retry-delay <duration>',
        "pause before the retry's fresh discovery (when no other instance was known)",
        'DEMO_RETRY_DELAY',
        RANGES.retryDelay,
        250,
      ),
    )
    .addOption(
      opt(
        '--status-port <port>',
        `serve the last ${STATUS_RESULTS_KEPT} results as JSON (GET /results, GET /health) on this port; 0 = off [0 to 65535]`,
        'DEMO_STATUS_PORT',
        parseStatusPort,
      ),
    )
    .addOption(
      opt('--status-bind <ip>', 'address the status endpoint listens on', 'DEMO_STATUS_BIND', (v) => parseIPv4(v, true)).default(
        '127.0.0.1',
      ),
    )
    .addOption(opt('--log-format <text|json>', 'log line format (stderr)', 'LOG_FORMAT', logFormat).default('text'))
    .addHelpText('after', '\nConsul: CONSUL_HTTP_ADDR (default 127.0.0.1:8500), CONSUL_DNS_ADDR (default 127.0.0.1:8600).')
    .action((o: RawClient) => onClient(o));

  return program;
}

/**
 * Parse the command line (without node and the script) and the environment. Throws commander's
 * CommanderError (message already printed) or a UsageError; runCli turns both into exit code 2.
 * Commander reads option env vars from process.env; `io.env` is for the Consul addresses.
 */
export function parseArgs(args: string[], io: ParseIo = {}): ParsedArgs {
  const env = io.env ?? process.env;
  if (args.length === 0) throw new UsageError('missing mode: "consul-demo server" or "consul-demo client" (see --help)');
  let parsed: ParsedArgs | undefined;
  const program = buildProgram(
    (o) => {
      const advertise = o.advertise ?? (isWildcardAddress(o.bind) ? defaultAdvertiseAddress() : o.bind);
      parsed = {
        mode: 'server',
        options: {
          version: o.version,
          bind: o.bind,
          advertise,
          restartEveryMs: o.restartEvery,
          restartMode: o.restartMode,
          drainMs: o.drain,
          lineTimeoutMs: o.lineTimeout,
          idleTimeoutMs: o.idleTimeout,
          maxConnections: o.maxConnections,
          maxReplyBacklogBytes: o.maxReplyBacklog,
          instanceFile: o.instanceFile || undefined, // commander hands an empty env var over unparsed
          logFormat: o.logFormat,
          consulHttp: consulHttpAddrFromEnv(env),
        },
      };
    },
    (o) => {
      // Read from process.env like every other DEMO_* variable (commander reads those there).
      const demoJson = process.env.DEMO_JSON;
      const json = o.json ?? (demoJson !== undefined ? parseBoolEnv('DEMO_JSON', demoJson) : false);
      parsed = {
        mode: 'client',
        options: {
          intervalMs: o.interval,
          count: o.count,
          json,
          select: o.select,
          discovery: o.discovery,
          dnsLookup: o.dnsLookup,
          timeoutMs: o.timeout,
          discoveryTimeoutMs: o.discoveryTimeout,
          retryDelayMs: o.retryDelay,
          logFormat: o.logFormat,
          consulHttp: o.discovery === 'dns' ? undefined : consulHttpAddrFromEnv(env),
          consulDns: o.discovery === 'http' ? undefined : dnsServer(env),
          statusPort: o.statusPort || undefined, // commander hands an empty env var over unparsed
          statusBind: o.statusBind,
        },
      };
    },
    io,
  );
  const longNames = new Set<string>(['help']);
  for (const c of program.commands) for (const o of c.options) if (o.long) longNames.add(o.long.slice(2));
  program.parse(goStyleFlags(args, longNames), { from: 'user' });
  if (!parsed) throw new UsageError('missing mode: "consul-demo server" or "consul-demo client"');
  return parsed;
}
