import { Option } from 'commander';
import { countOption, createProgram } from '../shared/cli';
import type { ConsulHttpAddress } from '../shared/consul/address';
import { consulHttpAddrFromEnv } from '../shared/consul/client';
import { UsageError } from '../shared/errors';
import { type LogFormat, parseLogFormat } from '../shared/logger';
import { parseIntInRange } from '../shared/numbers';
import { HOST_NAME } from './names';

export const NAME = 'registrator';
export const DEFAULT_STATUS_PORT = 8089;
const STATUS_PORT_RANGE = { min: 1, max: 65535 };
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export interface RegistratorConfig {
  /** The simulated host it serves (`lab.registrator=<host>`; its container is the Compose service of that name). */
  host: string;
  /** The Compose project whose containers it considers. */
  project: string;
  consulHttp: ConsulHttpAddress;
  /** The Docker engine's unix socket. */
  dockerSocket: string;
  statusPort: number;
  logFormat: LogFormat;
}

/** A Compose project name as Compose allows it (lower-case letters, digits, dashes, underscores). */
const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** DOCKER_HOST → the socket path: unix:// only (the registrator never talks to an engine over the network). */
export function dockerSocketFromEnv(env: NodeJS.ProcessEnv): string {
  const value = env.DOCKER_HOST;
  if (!value) return DEFAULT_DOCKER_SOCKET;
  const path = value.startsWith('unix://') ? value.slice('unix://'.length) : undefined;
  if (path === undefined || !path.startsWith('/')) {
    throw new UsageError(
      `DOCKER_HOST: ${JSON.stringify(value.slice(0, 80))} is not a unix:///path socket (the only kind the registrator uses)`,
    );
  }
  return path;
}

/** Flags, then env; everything checked before anything starts (one line, exit 2 through runCli). */
export function parseRegistratorArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): RegistratorConfig {
  const program = createProgram(
    NAME,
    "Registers one simulated host's labelled containers in its Consul agent, and deregisters them when they die",
  )
    .addOption(new Option('--host <name>', 'the simulated host it serves, e.g. host-b (env REGISTRATOR_HOST)'))
    .addOption(new Option('--project <name>', 'the Compose project name (env REGISTRATOR_PROJECT)'))
    .addOption(
      countOption(
        '--status-port <port>',
        'GET /health on 127.0.0.1 (env REGISTRATOR_STATUS_PORT)',
        DEFAULT_STATUS_PORT,
        { min: 1, max: 65535 },
        'REGISTRATOR_STATUS_PORT',
      ),
    )
    .option('--log-format <format>', 'text or json (env LOG_FORMAT)');
  program.addHelpText(
    'after',
    "\nEnv: CONSUL_HTTP_ADDR (default 127.0.0.1:8500) is the host's Consul agent; DOCKER_HOST (unix:// only, default\n" +
      `unix://${DEFAULT_DOCKER_SOCKET}) the engine, which it only reads (list, inspect, events). Labels: services/registrator/README.md.`,
  );
  program.parse(argv);
  const flags = program.opts<{ host?: string; project?: string; statusPort: number; logFormat?: string }>();
  if (program.args.length) throw new UsageError(`unexpected argument "${program.args[0]}"`);
  // From `env`, not commander's .env() (process.env): testable, and a bad value names the variable itself.
  if (program.getOptionValueSource('statusPort') === 'default' && env.REGISTRATOR_STATUS_PORT) {
    flags.statusPort = parseIntInRange(env.REGISTRATOR_STATUS_PORT, 'REGISTRATOR_STATUS_PORT', STATUS_PORT_RANGE);
  }
  const host = required(flags.host, '--host', env.REGISTRATOR_HOST, 'REGISTRATOR_HOST', HOST_NAME);
  const project = required(flags.project, '--project', env.REGISTRATOR_PROJECT, 'REGISTRATOR_PROJECT', PROJECT_NAME);
  return {
    host,
    project,
    consulHttp: consulHttpAddrFromEnv(env),
    dockerSocket: dockerSocketFromEnv(env),
    statusPort: flags.statusPort,
    logFormat: parseLogFormat(flags.logFormat ?? env.LOG_FORMAT),
  };
}

/** The flag wins over the env var; empty env = unset (as Compose passes it); the message names where it came from. */
function required(flag: string | undefined, flagName: string, fromEnv: string | undefined, envName: string, rule: RegExp): string {
  const [value, source] = flag !== undefined ? [flag, flagName] : fromEnv ? [fromEnv, envName] : [undefined, ''];
  if (value === undefined) throw new UsageError(`${flagName} (or ${envName}) is required`);
  if (!rule.test(value)) throw new UsageError(`${source}: ${JSON.stringify(value.slice(0, 80))} must match ${rule.source}`);
  return value;
}
