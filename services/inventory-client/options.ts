import { Option } from 'commander';
import { createProgram, durationOption } from '../shared/cli';
import { type DurationRange, parseDurationMs } from '../shared/duration';
import { UsageError } from '../shared/errors';
import { type LogFormat, parseLogFormat } from '../shared/logger';
import { parseIntInRange } from '../shared/numbers';
import { redactSecrets } from '../shared/secrets';
import { terminalSafeLine } from '../shared/terminalText';
import { type IpPort, parseIpPort } from './address';
import { DEFAULT_STATUS_PORT, DEFAULT_TARGET, INVENTORY_CLIENT_NAME as NAME, RESULTS_KEPT } from './names';

export interface InventoryClientOptions {
  target: IpPort;
  everyMs: number;
  timeoutMs: number;
  tlsProbe: IpPort | undefined;
  tlsEveryMs: number;
  statusPort: number;
  json: boolean;
  logFormat: LogFormat;
}

/** What each duration may be, checked while parsing (one line naming the flag or env var, exit 2). */
export const RANGES = {
  every: { minMs: 200, maxMs: 60_000 },
  timeout: { minMs: 50, maxMs: 10_000 },
  tlsEvery: { minMs: 1000, maxMs: 10 * 60_000 },
} satisfies Record<string, DurationRange>;

export const DEFAULTS = { everyMs: 1000, timeoutMs: 1000, tlsEveryMs: 5000 } as const;

/** Each option's env var. Empty counts as unset (Compose passes an unset `${VAR:-}` as ""). */
export const ENV = {
  target: 'INVENTORY_TARGET',
  every: 'INVENTORY_EVERY',
  timeout: 'INVENTORY_TIMEOUT',
  tlsProbe: 'INVENTORY_TLS_PROBE',
  tlsEvery: 'INVENTORY_TLS_EVERY',
  statusPort: 'INVENTORY_STATUS_PORT',
  json: 'INVENTORY_JSON',
} as const;

/** A boolean env var, strictly: "0" must not mean true. */
export function parseBoolEnv(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new UsageError(`${name}: expected true/false (1/0), got ${JSON.stringify(value.slice(0, 40))}`);
}

interface Raw {
  target?: string;
  every: number;
  timeout: number;
  tlsProbe?: string;
  tlsEvery: number;
  statusPort?: string;
  json?: boolean;
}

export interface ParseIo {
  writeOut?: (s: string) => void;
  writeErr?: (s: string) => void;
}

/**
 * Flags, then env (a flag wins), checked completely before anything starts: bad input is one line and exit 2
 * (a UsageError, or commander's error already printed as one line). The env is read here, not by commander, so that
 * an empty variable is unset and the tests can pass their own.
 */
export function parseInventoryClientArgs(argv: string[], env: NodeJS.ProcessEnv = process.env, io: ParseIo = {}): InventoryClientOptions {
  const program = createProgram(
    NAME,
    "PING inventory-db through this host's Connect sidecar once per interval, and show what Connect's TLS looks like (README exercise 7)",
  )
    .addOption(
      new Option('--target <ip:port>', `where to send PING: the sidecar's upstream (env ${ENV.target}; default ${DEFAULT_TARGET})`),
    )
    .addOption(durationOption('--every <duration>', `time between requests (env ${ENV.every})`, DEFAULTS.everyMs, { range: RANGES.every }))
    .addOption(
      durationOption('--timeout <duration>', `one request: connect + reply (env ${ENV.timeout})`, DEFAULTS.timeoutMs, {
        range: RANGES.timeout,
      }),
    )
    .addOption(
      new Option(
        '--tls-probe <ip:port>',
        `also probe this Connect sidecar's public listener with TLS, without a client certificate, e.g. 10.213.50.22:21000 (env ${ENV.tlsProbe}; default: no probe)`,
      ),
    )
    .addOption(
      durationOption('--tls-every <duration>', `time between TLS probes (env ${ENV.tlsEvery})`, DEFAULTS.tlsEveryMs, {
        range: RANGES.tlsEvery,
      }),
    )
    .addOption(
      new Option(
        '--status-port <port>',
        `serve GET /results (the last ${RESULTS_KEPT} requests, the last TLS probe) and GET /health on 127.0.0.1:<port> (env ${ENV.statusPort}; default ${DEFAULT_STATUS_PORT}) [1 to 65535]`,
      ),
    )
    .addOption(new Option('--json', `one JSON object per request and per TLS probe on stdout (env ${ENV.json}=1)`))
    .addHelpText('after', '\nLogs: LOG_FORMAT=text|json (stderr). Nothing but "PING" is ever sent.');
  // One line even if commander's message quotes a value with a newline or a control character in it.
  program.configureOutput({
    outputError: (str, write) => write(`${NAME}: ${terminalSafeLine(redactSecrets(str.trim().replace(/\s*\n\s*/g, ' ')))}\n`),
    ...(io.writeOut ? { writeOut: io.writeOut } : {}),
    ...(io.writeErr ? { writeErr: io.writeErr } : {}),
  });
  const raw = program.parse(argv, { from: 'node' }).opts<Raw>();
  const fromFlag = (key: keyof typeof ENV): boolean => program.getOptionValueSource(key) === 'cli';

  /** The flag's value if given, else the env var's if set and not empty, else undefined; with the name to blame. */
  const pick = (key: keyof typeof ENV, flag: string): { value: string; what: string } | undefined => {
    const cli = raw[key as keyof Raw];
    if (fromFlag(key) && typeof cli === 'string') return { value: cli, what: flag };
    const e = env[ENV[key]];
    return e !== undefined && e !== '' ? { value: e, what: ENV[key] } : undefined;
  };
  const duration = (key: 'every' | 'timeout' | 'tlsEvery', range: DurationRange): number => {
    if (fromFlag(key)) return raw[key];
    const e = env[ENV[key]];
    return e !== undefined && e !== '' ? parseDurationMs(e, ENV[key], range) : raw[key];
  };

  const target = pick('target', '--target');
  const tlsProbe = pick('tlsProbe', '--tls-probe');
  const statusPort = pick('statusPort', '--status-port');
  const jsonEnv = env[ENV.json];
  const logFormat = (() => {
    try {
      return parseLogFormat(env.LOG_FORMAT);
    } catch {
      throw new UsageError(`LOG_FORMAT: expected text or json, got ${JSON.stringify(String(env.LOG_FORMAT).slice(0, 40))}`);
    }
  })();
  return {
    target: target ? parseIpPort(target.value, target.what) : parseIpPort(DEFAULT_TARGET, '--target'),
    everyMs: duration('every', RANGES.every),
    timeoutMs: duration('timeout', RANGES.timeout),
    tlsProbe: tlsProbe ? parseIpPort(tlsProbe.value, tlsProbe.what) : undefined,
    tlsEveryMs: duration('tlsEvery', RANGES.tlsEvery),
    statusPort: statusPort ? parseIntInRange(statusPort.value, statusPort.what, { min: 1, max: 65_535 }) : DEFAULT_STATUS_PORT,
    json: raw.json ?? (jsonEnv !== undefined && jsonEnv !== '' ? parseBoolEnv(ENV.json, jsonEnv) : false),
    logFormat,
  };
}
