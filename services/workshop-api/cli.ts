#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import http, { type Server } from 'node:http';
import { Option } from 'commander';
import path from 'node:path';
import { argParser, createProgram, runCli } from '../shared/cli';
import { consulBaseUrl, consulHttpAddrFromEnv, createConsulClient } from '../shared/consulClient';
import { consulDuration, parseDurationMs } from '../shared/duration';
import { UsageError, errorMessage } from '../shared/errors';
import { createLogger, parseLogFormat, type Logger } from '../shared/logger';
import { onShutdown } from '../shared/shutdown';
import { createApp, type AppState } from './app';
import { loadWorkshopConfig } from './config';
import { DEFAULT_CHECK, buildServiceDefinition, deregister, keepRegistered, registerWithRetry } from './registration';

const NAME = 'workshop-api';

interface Flags {
  config?: string;
  bind?: string;
  check: boolean;
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
}

function positiveInt(what: string) {
  return argParser((v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || n < 1) throw new UsageError(`${what} must be an integer >= 1, got "${v}"`);
    return n;
  });
}
/** A duration flag whose help shows the default as Consul writes it ("2s", not 2000). */
function durationOption(flags: string, description: string, defaultMs: number): Option {
  const name = flags.split(' ')[0]!;
  return new Option(flags, description).argParser(argParser((v: string) => parseDurationMs(v, name))).default(defaultMs, consulDuration(defaultMs));
}

/** The repo's package.json version (dist/services/workshop-api → three levels up; src → two). */
function readVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const p = path.join(dir, 'package.json');
    if (existsSync(p)) {
      try {
        return String((JSON.parse(readFileSync(p, 'utf8')) as { version?: unknown }).version ?? 'unknown');
      } catch {
        return 'unknown';
      }
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`cannot listen on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
}

/** Stop accepting, let in-flight requests finish, then cut what is left (idle keep-alives at once). */
function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const program = createProgram(NAME, 'Workshop API: registers itself in Consul with an HTTP health check attached to the service')
    .option('-c, --config <file>', 'config.json5 (name, token, host, port, bind); without it, env only and name api-<hostname>')
    .option('--bind <addr>', 'address to listen on (default 0.0.0.0, or "bind" in the config)')
    .option('--no-check', 'register WITHOUT a health check (the lesson: Consul keeps saying a dead instance is fine)')
    .option('--no-register', 'only serve HTTP, never talk to Consul (for registering it by hand with curl, nginx/README.md)')
    // Env too, so Compose can switch it (the benchmark's baseline runs the original workshop's 10s).
    .addOption(durationOption('--check-interval <duration>', 'HTTP check interval', DEFAULT_CHECK.intervalMs).env('WORKSHOP_CHECK_INTERVAL'))
    .addOption(durationOption('--check-timeout <duration>', 'HTTP check timeout', DEFAULT_CHECK.timeoutMs))
    .option('--success-before-passing <n>', 'passing results in a row before the check turns passing', positiveInt('--success-before-passing'), DEFAULT_CHECK.successBeforePassing)
    .option('--failures-before-critical <n>', 'failing results in a row before the check turns critical', positiveInt('--failures-before-critical'), DEFAULT_CHECK.failuresBeforeCritical)
    .addOption(durationOption('--deregister-after <duration>', 'Consul removes the service after its check has been critical this long (Consul enforces at least 1m)', DEFAULT_CHECK.deregisterCriticalAfterMs))
    .option('--register-attempts <n>', 'attempts to reach the Consul agent at start-up (backoff 0.5 s doubling to 5 s)', positiveInt('--register-attempts'), 10)
    .addOption(durationOption('--drain-delay <duration>', 'on SIGTERM: keep serving this long after deregistering, while Nginx reloads', 2000))
    .addOption(durationOption('--reregister-interval <duration>', 'how often to check that the local agent still holds our registration, re-registering if not (0 = never)', 10_000))
    .option('--log-format <format>', 'text or json (env LOG_FORMAT)');
  program.addHelpText(
    'after',
    '\nEnv: WORKSHOP_NAME, WORKSHOP_TOKEN, WORKSHOP_HOST, WORKSHOP_PORT override the config file;\n' +
      'CONSUL_HTTP_ADDR (default 127.0.0.1:8500) is the local Consul agent; LOG_FORMAT=text|json.',
  );
  program.parse(process.argv);
  const flags = program.opts<Flags>();
  if (program.args.length) throw new UsageError(`unexpected argument "${program.args[0]}"`);

  let format;
  try {
    format = parseLogFormat(flags.logFormat ?? process.env.LOG_FORMAT);
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  const cfg = loadWorkshopConfig({ file: flags.config, flags: { bind: flags.bind } });
  const consulAddr = consulHttpAddrFromEnv();
  const logger: Logger = createLogger({ name: NAME, format }).child({ id: cfg.id });

  const state: AppState = { draining: false };
  const app = createApp({ name: cfg.name, id: cfg.id, version: readVersion() }, state);
  const server = http.createServer(app);
  await listen(server, cfg.port, cfg.bind);
  logger.info('listening', { bind: cfg.bind, port: cfg.port });

  const consul = createConsulClient(consulAddr);
  const inst = { id: cfg.id, name: cfg.name, host: cfg.host, port: cfg.port };
  const check = {
    enabled: flags.check,
    intervalMs: flags.checkInterval,
    timeoutMs: flags.checkTimeout,
    successBeforePassing: flags.successBeforePassing,
    failuresBeforeCritical: flags.failuresBeforeCritical,
    deregisterCriticalAfterMs: flags.deregisterAfter,
  };
  let registered = false;
  let stopKeeping = async (): Promise<void> => undefined;

  onShutdown(
    async () => {
      state.draining = true;
      await stopKeeping();
      if (registered) {
        try {
          await deregister(consul, cfg.id);
          logger.info('deregistered from Consul; draining', { drainDelayMs: flags.drainDelay });
        } catch (err) {
          // The check (503 now) and DeregisterCriticalServiceAfter still take us out; keep shutting down.
          logger.warn('deregistration failed; the health check will mark this instance critical', { error: errorMessage(err) });
        }
        // Keep serving while consul-template re-renders and Nginx reloads without us.
        await sleep(flags.drainDelay);
      }
      await closeServer(server, 2000);
      logger.info('stopped');
    },
    { logger, timeoutMs: flags.drainDelay + 5000 },
  );

  if (!flags.register) {
    logger.info('not registering in Consul (--no-register)', { address: `${cfg.host}:${cfg.port}` });
    return;
  }
  try {
    await registerWithRetry(consul, inst, buildServiceDefinition(inst, check), {
      attempts: flags.registerAttempts,
      logger,
      consulAddr: consulBaseUrl(consulAddr),
    });
  } catch (err) {
    server.closeAllConnections();
    server.close();
    throw err;
  }
  registered = true;
  const def = buildServiceDefinition(inst, check);
  stopKeeping = keepRegistered(consul, def, { intervalMs: flags.reregisterInterval, logger });
  logger.info('registered in Consul', {
    service: 'workshop',
    address: `${cfg.host}:${cfg.port}`,
    check: check.enabled ? `GET /health every ${flags.checkInterval}ms` : 'none (--no-check)',
    consul: consulBaseUrl(consulAddr),
  });
}

void runCli(NAME, main);
