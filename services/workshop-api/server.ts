import { readFileSync } from 'node:fs';
import http, { type Server } from 'node:http';
import path from 'node:path';
import { sleep } from '../shared/async';
import { consulUrl } from '../shared/consul/address';
import { createConsulClient } from '../shared/consul/client';
import { errorMessage } from '../shared/errors';
import { createLogger, type Logger } from '../shared/logger';
import { findRepoRoot } from '../shared/repoRoot';
import { onShutdown } from '../shared/shutdown';
import { createApp, type AppState } from './app';
import { loadWorkshopConfig } from './config';
import { GithubAvatars } from './githubAvatar';
import { NAME, type WorkshopOptions, checkGithubApiForToken, checkServiceForInstance } from './options';
import { DuplicateInstanceError, buildRegistration, deregister, deregisterCheck, keepRegistered, registerWithRetry } from './registration';

/** The repo's package.json version (dist/services/workshop-api → three levels up; src → two). */
function readVersion(): string {
  const root = findRepoRoot(__dirname);
  if (root === undefined) return 'unknown';
  try {
    return String((JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
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

/**
 * Serve, register, keep registered. Resolves only with --no-register (the HTTP server then keeps the process
 * alive); a signal ends the process through onShutdown (exit 0). Any error that ends registration — at start-up
 * or later, when the agent refuses our registration or another instance takes our ID — first stops the HTTP
 * server, then rejects, so the caller prints one line and exits non-zero: never serving on, unregistered.
 */
export async function runWorkshop(o: WorkshopOptions): Promise<void> {
  const cfg = loadWorkshopConfig({ file: o.config, flags: { bind: o.bind } });
  // Here, not in parseWorkshopArgs: the token may come from the config file.
  checkGithubApiForToken(o.githubApi, cfg.token !== undefined);
  // Here too: whether the service name is this instance's own depends on the name, which the file may give.
  const service = checkServiceForInstance(o.service, cfg.id);
  const logger: Logger = createLogger({ name: NAME, format: o.logFormat }).child({ id: cfg.id });
  // Built before listening: nothing about the address can fail once the server is up.
  const consul = createConsulClient(o.consulHttp);
  const consulAddr = consulUrl(o.consulHttp);

  const state: AppState = { draining: false };
  // Lazy: nothing is asked of GitHub until the first GET /avatar (an instance that is never asked stays offline).
  const avatars = o.avatars === 'github' ? new GithubAvatars({ apiUrl: o.githubApi, token: cfg.token, logger }) : undefined;
  const app = createApp({ name: cfg.name, id: cfg.id, version: readVersion() }, state, avatars);
  const server = http.createServer(app);
  await listen(server, cfg.port, cfg.bind);
  logger.info('listening', {
    bind: cfg.bind,
    port: cfg.port,
    avatars: o.avatars === 'github' ? `github (${o.githubApi}${cfg.token ? ', with token' : ''})` : 'generated',
  });

  const inst = { id: cfg.id, name: cfg.name, host: cfg.host, port: cfg.port, service };
  const { service: def, nodeCheck } = buildRegistration(inst, o.check, o.checkScope);
  let registered = false;
  let stopKeeping = async (): Promise<void> => undefined;

  const offShutdown = onShutdown(
    async () => {
      // With a node-level check, a 503 before that check is gone would turn it critical and take every service
      // on this node out while we drain: remove the check first, then answer 503. Otherwise 503 at once.
      if (!nodeCheck) state.draining = true;
      await stopKeeping();
      if (registered && nodeCheck) {
        try {
          await deregisterCheck(consul, nodeCheck.id);
          logger.info('node-level check deregistered', { checkId: nodeCheck.id });
        } catch (err) {
          // Nothing reaps a node check (no DeregisterCriticalServiceAfter for it): say what is left behind.
          logger.warn('node-level check deregistration failed; it will keep this node critical until removed by hand', {
            checkId: nodeCheck.id,
            error: errorMessage(err),
          });
        }
      }
      state.draining = true;
      if (registered) {
        try {
          await deregister(consul, cfg.id);
          logger.info('deregistered from Consul; draining', { drainDelayMs: o.drainDelayMs });
        } catch (err) {
          // The check (503 now) and DeregisterCriticalServiceAfter still take us out; keep shutting down.
          logger.warn('deregistration failed; the health check will mark this instance critical', { error: errorMessage(err) });
        }
        // Keep serving while consul-template re-renders and Nginx reloads without us.
        await sleep(o.drainDelayMs);
      }
      await closeServer(server, 2000);
      logger.info('stopped');
    },
    // drainDelayMs is at most 2 min (options.ts), so this timer is always one Node can run.
    { logger, timeoutMs: o.drainDelayMs + 5000 },
  );

  /** Registration has ended for good: stop serving (in-flight requests finish), then report the error. */
  const fail = async (err: unknown): Promise<never> => {
    // A signal now would run the graceful path and exit 0; without our handler it ends the process (non-zero).
    offShutdown();
    state.draining = true;
    await stopKeeping();
    // A node-level check left behind would keep every service on this node critical (nothing reaps it), so take it
    // away, best effort. Not when another instance holds our ID: the check may then be theirs.
    if (nodeCheck && !(err instanceof DuplicateInstanceError)) {
      await deregisterCheck(consul, nodeCheck.id).then(
        () => logger.info('node-level check deregistered', { checkId: nodeCheck.id }),
        (e: unknown) =>
          logger.warn('node-level check deregistration failed; it will keep this node critical until removed by hand', {
            checkId: nodeCheck.id,
            error: errorMessage(e),
          }),
      );
    }
    await closeServer(server, 2000);
    consul.destroy();
    throw err;
  };

  if (!o.register) {
    logger.info('not registering in Consul (--no-register)', { address: `${cfg.host}:${cfg.port}` });
    return;
  }
  if (nodeCheck) {
    logger.warn(
      "check scope is NODE (--check-scope node, the original workshop's mistake, for the exercise): the check has no ServiceID, " +
        'so when this instance dies EVERY service on this Consul node turns critical; the fix is the default, --check-scope service',
      { checkId: nodeCheck.id },
    );
  }
  try {
    await registerWithRetry(consul, inst, def, { attempts: o.registerAttempts, logger, consulAddr, nodeCheck });
  } catch (err) {
    return fail(err);
  }
  registered = true;
  const fatal = new Promise<Error>((resolve) => {
    stopKeeping = keepRegistered(consul, def, { intervalMs: o.reregisterIntervalMs, logger, onFatal: resolve, nodeCheck });
  });
  logger.info('registered in Consul', {
    service,
    address: `${cfg.host}:${cfg.port}`,
    check: o.check.enabled ? `GET /health every ${o.check.intervalMs}ms${nodeCheck ? ', node-level' : ''}` : 'none (--no-check)',
    consul: consulAddr,
  });
  const err = await fatal;
  // Not deregistering: the ID may now be another instance's, or the agent refuses us anyway.
  registered = false;
  return fail(err);
}
