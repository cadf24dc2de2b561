import { Option } from 'commander';
import { countOption, createProgram, durationOption as sharedDurationOption } from '../shared/cli';
import type { ConsulHttpAddress } from '../shared/consul/address';
import { consulHttpAddrFromEnv } from '../shared/consul/client';
import { type DurationRange, consulDuration, parseDurationMs } from '../shared/duration';
import { UsageError } from '../shared/errors';
import { type LogFormat, parseLogFormat } from '../shared/logger';
import type { IntRange } from '../shared/numbers';
import { DEFAULT_GITHUB_API, parseGithubApi } from './githubApi';
import { WORKSHOP_SERVICE_NAME, workshopServiceId } from './names';
import { CHECK_SCOPES, type CheckScope, type CheckSettings, DEFAULT_CHECK, DEFAULT_REREGISTER_INTERVAL_MS } from './registration';

export const NAME = 'workshop-api';

/**
 * What each duration and count may be, checked while the flags are parsed (one line, exit 2), so no value
 * reaches a timer or Consul that either would silently change: Node turns a timer above ~24.8 days into 1 ms,
 * and Consul raises a check interval below 1 s to 1 s and a deregister-after below 1 m to 1 m.
 */
export const RANGES = {
  /** Consul's minimum check interval is 1 s; past 10 min a dead instance would stay "passing" for too long to teach anything. */
  checkInterval: { minMs: 1000, maxMs: 10 * 60_000 },
  /** A loopback /health answers in milliseconds; 0 would mean Consul's default (10 s), which is not what was asked. */
  checkTimeout: { minMs: 100, maxMs: 60_000 },
  /** Consul's minimum is 1 m; 0 = never (the instance stays listed as critical until it deregisters itself). */
  deregisterAfter: { minMs: 60_000, maxMs: 24 * 3_600_000, zeroAllowed: true },
  /** Longer than Docker's default stop grace (10 s) is already useless in Compose; 2 min leaves room by hand. */
  drainDelay: { minMs: 0, maxMs: 2 * 60_000 },
  /** 0 = never; below 500 ms would poll the agent for nothing; above 1 min a vanished instance stays invisible too long. */
  reregisterInterval: { minMs: 500, maxMs: 60_000, zeroAllowed: true },
} satisfies Record<string, DurationRange>;

export const COUNT_RANGES = {
  successBeforePassing: { min: 1, max: 100 },
  failuresBeforeCritical: { min: 1, max: 100 },
  /** With the backoff capped at 1 s, 1000 attempts are ~17 min of trying. */
  registerAttempts: { min: 1, max: 1000 },
} satisfies Record<string, IntRange>;

export const DEFAULT_DRAIN_DELAY_MS = 2000;
/** ~38 s of trying with the 1 s back-off (registration.ts REGISTER_BACKOFF): as patient as 10 attempts were at 5 s. */
export const DEFAULT_REGISTER_ATTEMPTS = 40;

export interface WorkshopOptions {
  config?: string;
  bind?: string;
  register: boolean;
  check: CheckSettings;
  /** `node` = the original workshop's mistake, for the exercise (registration.ts CheckScope). */
  checkScope: CheckScope;
  registerAttempts: number;
  drainDelayMs: number;
  reregisterIntervalMs: number;
  logFormat: LogFormat;
  /** Parsed completely before anything listens: a bad CONSUL_HTTP_ADDR is exit 2, never a late "Invalid URL". */
  consulHttp: ConsulHttpAddress;
  /** `github`: GET /avatar serves the GitHub account's picture (githubAvatar.ts); `generated`: the identicon only. */
  avatars: AvatarMode;
  /** The GitHub API's base URL (http(s), no credentials, query or fragment); the token goes to this host only. */
  githubApi: string;
  /** The Consul service name asked for (`--service` / WORKSHOP_SERVICE); checkServiceForInstance decides once the ID is known. */
  service: ServiceChoice;
}

/** A service name and where it came from (`--service`, `WORKSHOP_SERVICE`, or '' for the default), for the error line. */
export interface ServiceChoice {
  name: string;
  source: '--service' | 'WORKSHOP_SERVICE' | '';
}

export const AVATAR_MODES = ['github', 'generated'] as const;
export type AvatarMode = (typeof AVATAR_MODES)[number];
// The GitHub API URL's default and rules live in githubApi.ts (pure: lab:join applies them through names.ts);
// re-exported so every import of them from here keeps working.
export { DEFAULT_GITHUB_API, checkGithubApiForToken, isLoopbackHost, parseGithubApi } from './githubApi';

interface Flags {
  config?: string;
  bind?: string;
  check: boolean;
  checkScope?: string;
  register: boolean;
  checkInterval: number;
  checkTimeout: number;
  successBeforePassing: number;
  failuresBeforeCritical: number;
  deregisterAfter: number;
  registerAttempts: number;
  drainDelay: number;
  reregisterInterval: number;
  logFormat?: string;
  avatars?: string;
  githubApi?: string;
  service?: string;
}

/** A duration flag; its help writes durations as Consul does ("2s", "60s"), 0 as "never". */
const durationOption = (flags: string, description: string, defaultMs: number, range: DurationRange): Option =>
  sharedDurationOption(flags, description, defaultMs, { range, format: consulDuration, zeroMeans: 'never' });

/** Parse argv (and env) into options; commander errors and UsageErrors end the program with exit 2 (runCli). */
export function parseWorkshopArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): WorkshopOptions {
  const program = createProgram(NAME, 'Workshop API: registers itself in Consul with an HTTP health check attached to the service')
    .option('-c, --config <file>', 'config.json5 (name, token, host, port, bind); without it, env only and name api-<hostname>')
    .option('--bind <addr>', 'address to listen on (default 0.0.0.0, or "bind" in the config)')
    .option('--no-check', 'register WITHOUT a health check (the lesson: Consul keeps saying a dead instance is fine)')
    .option(
      '--check-scope <scope>',
      "service (default, the fix) or node: the original workshop's node-level check, one dead instance marks every service on the node critical (env WORKSHOP_CHECK_SCOPE)",
    )
    .option('--no-register', 'only serve HTTP, never talk to Consul (for registering it by hand with curl, nginx/README.md)')
    .addOption(
      durationOption(
        '--check-interval <duration>',
        'HTTP check interval (env WORKSHOP_CHECK_INTERVAL)',
        DEFAULT_CHECK.intervalMs,
        RANGES.checkInterval,
      ),
    )
    .addOption(durationOption('--check-timeout <duration>', 'HTTP check timeout', DEFAULT_CHECK.timeoutMs, RANGES.checkTimeout))
    .addOption(
      countOption(
        '--success-before-passing <n>',
        'passing results in a row before the check turns passing',
        DEFAULT_CHECK.successBeforePassing,
        COUNT_RANGES.successBeforePassing,
      ),
    )
    .addOption(
      countOption(
        '--failures-before-critical <n>',
        'failing results in a row before the check turns critical',
        DEFAULT_CHECK.failuresBeforeCritical,
        COUNT_RANGES.failuresBeforeCritical,
      ),
    )
    .addOption(
      durationOption(
        '--deregister-after <duration>',
        'Consul removes the service after its check has been critical this long (Consul enforces at least 1m)',
        DEFAULT_CHECK.deregisterCriticalAfterMs,
        RANGES.deregisterAfter,
      ),
    )
    .addOption(
      countOption(
        '--register-attempts <n>',
        'attempts to reach the Consul agent at start-up (backoff 0.25 s doubling to 1 s)',
        DEFAULT_REGISTER_ATTEMPTS,
        COUNT_RANGES.registerAttempts,
      ),
    )
    .addOption(
      durationOption(
        '--drain-delay <duration>',
        'on SIGTERM: keep serving this long after deregistering, while Nginx reloads',
        DEFAULT_DRAIN_DELAY_MS,
        RANGES.drainDelay,
      ),
    )
    .addOption(
      durationOption(
        '--reregister-interval <duration>',
        'how often to check that the local agent still holds our registration, re-registering if not',
        DEFAULT_REREGISTER_INTERVAL_MS,
        RANGES.reregisterInterval,
      ),
    )
    .option(
      '--avatars <mode>',
      'github (default: GET /avatar serves the GitHub picture of the account `name`, the generated one when that fails) or generated (never leaves the host) (env WORKSHOP_AVATARS)',
    )
    .option(
      '--github-api <url>',
      `GitHub API base URL, e.g. GitHub Enterprise's https://host/api/v3 (default ${DEFAULT_GITHUB_API}; env WORKSHOP_GITHUB_API)`,
    )
    .option(
      '--service <name>',
      `Consul service name: ${WORKSHOP_SERVICE_NAME} (default) or this instance's own ID ${workshopServiceId('<name>')} (a classroom student's, whose token may write only that service) (env WORKSHOP_SERVICE)`,
    )
    .option('--log-format <format>', 'text or json (env LOG_FORMAT)');
  program.addHelpText(
    'after',
    '\nEnv: WORKSHOP_NAME, WORKSHOP_TOKEN, WORKSHOP_HOST, WORKSHOP_PORT override the config file;\n' +
      'CONSUL_HTTP_ADDR (default 127.0.0.1:8500; also http://host:port, [::1]:8500) is the local Consul agent;\n' +
      'CONSUL_HTTP_TOKEN its ACL token; LOG_FORMAT=text|json; WORKSHOP_AVATARS, WORKSHOP_GITHUB_API, WORKSHOP_SERVICE as the flags.\n' +
      'The token (config "token" / WORKSHOP_TOKEN) is sent to the GitHub API host only, to lift its anonymous rate limit.',
  );
  program.parse(argv);
  const flags = program.opts<Flags>();
  if (program.args.length) throw new UsageError(`unexpected argument "${program.args[0]}"`);
  // Env too, so Compose can switch it (the benchmark's baseline runs the original workshop's 10s). Read here
  // rather than with commander's .env(): from `env` (testable), and a bad value names the variable itself.
  // Empty = unset, as Compose passes an unset variable.
  if (program.getOptionValueSource('checkInterval') === 'default' && env.WORKSHOP_CHECK_INTERVAL) {
    flags.checkInterval = parseDurationMs(env.WORKSHOP_CHECK_INTERVAL, 'WORKSHOP_CHECK_INTERVAL', RANGES.checkInterval);
  }

  const checkScope = parseCheckScope(flags.checkScope, env.WORKSHOP_CHECK_SCOPE);
  // There would be nothing to put at node level: say so instead of silently registering no check.
  if (checkScope === 'node' && !flags.check) throw new UsageError('--check-scope node needs a check: drop --no-check');

  const logFormat: LogFormat = parseLogFormat(flags.logFormat ?? env.LOG_FORMAT);
  return {
    config: flags.config,
    bind: flags.bind,
    register: flags.register,
    check: {
      enabled: flags.check,
      intervalMs: flags.checkInterval,
      timeoutMs: flags.checkTimeout,
      successBeforePassing: flags.successBeforePassing,
      failuresBeforeCritical: flags.failuresBeforeCritical,
      deregisterCriticalAfterMs: flags.deregisterAfter,
    },
    checkScope,
    registerAttempts: flags.registerAttempts,
    drainDelayMs: flags.drainDelay,
    reregisterIntervalMs: flags.reregisterInterval,
    logFormat,
    // Read even with --no-register: a bad value is bad input either way, and said at once.
    consulHttp: consulHttpAddrFromEnv(env),
    avatars: parseAvatarMode(flags.avatars, env.WORKSHOP_AVATARS),
    githubApi: parseGithubApi(flags.githubApi, env.WORKSHOP_GITHUB_API),
    service: parseServiceChoice(flags.service, env.WORKSHOP_SERVICE),
  };
}

/**
 * The flag wins over WORKSHOP_SERVICE; empty env = unset. Only `workshop` or `workshop-<something>` get past
 * here (said at once, before any config is read); whether `<something>` is this instance's own name is
 * checkServiceForInstance's, once the name is known.
 */
export function parseServiceChoice(flag: string | undefined, fromEnv: string | undefined): ServiceChoice {
  const choice: ServiceChoice =
    flag !== undefined
      ? { name: flag, source: '--service' }
      : fromEnv
        ? { name: fromEnv, source: 'WORKSHOP_SERVICE' }
        : { name: WORKSHOP_SERVICE_NAME, source: '' };
  if (choice.name !== WORKSHOP_SERVICE_NAME && !choice.name.startsWith(workshopServiceId(''))) throw serviceUsageError(choice);
  return choice;
}

/**
 * The service name to register under: exactly `workshop`, or exactly this instance's ID (`workshop-<name>`).
 * Anything else is bad input (UsageError, exit 2, naming the flag or variable): in a classroom the student's
 * token may write only `workshop-<its name>`, and the shared page lists only `workshop` and `workshop-*`.
 */
export function checkServiceForInstance(choice: ServiceChoice, instanceId: string): string {
  if (choice.name === WORKSHOP_SERVICE_NAME || choice.name === instanceId) return choice.name;
  throw serviceUsageError(choice, instanceId);
}

function serviceUsageError(choice: ServiceChoice, instanceId?: string): UsageError {
  // The value is shown quoted (JSON.stringify): it came from argv or the environment and may hold anything.
  const own = instanceId === undefined ? workshopServiceId('<name>') : JSON.stringify(instanceId);
  return new UsageError(
    `${choice.source || '--service'}: ${JSON.stringify(choice.name)} is not a service name this instance may use (allowed: "${WORKSHOP_SERVICE_NAME}" or this instance's own ID ${own})`,
  );
}

/** The flag wins over WORKSHOP_AVATARS; empty = unset. */
function parseAvatarMode(flag: string | undefined, fromEnv: string | undefined): AvatarMode {
  const [value, source] = flag !== undefined ? [flag, '--avatars'] : fromEnv ? [fromEnv, 'WORKSHOP_AVATARS'] : ['github', ''];
  const mode = AVATAR_MODES.find((m) => m === value);
  if (mode === undefined) throw new UsageError(`${source}: "${value}" is not an avatar mode (allowed: ${AVATAR_MODES.join(', ')})`);
  return mode;
}

/** The flag wins over WORKSHOP_CHECK_SCOPE; empty = unset (as Compose passes it); a bad value names its source. */
function parseCheckScope(flag: string | undefined, fromEnv: string | undefined): CheckScope {
  const [value, source] = flag !== undefined ? [flag, '--check-scope'] : fromEnv ? [fromEnv, 'WORKSHOP_CHECK_SCOPE'] : ['service', ''];
  const scope = CHECK_SCOPES.find((s) => s === value);
  if (scope === undefined) throw new UsageError(`${source}: "${value}" is not a check scope (allowed: ${CHECK_SCOPES.join(', ')})`);
  return scope;
}
