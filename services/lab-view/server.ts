/*
 * The lab view's HTTP side: the static page, GET /events (the state pushed over SSE), GET /api/state (the same
 * state once, for curl and tests), GET /api/checks (the pluggable checklist), GET /room.json (the room alone, what
 * `lab:check room` reads) and GET /room/avatar/<name> (a student's avatar, from the shared page, same-origin).
 */
import { existsSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import path from 'node:path';
import express, { type Express } from 'express';
import { type ConsulClient, createConsulClient } from '../shared/consul/client';
import { errorMessage } from '../shared/errors';
import { type Logger, createLogger } from '../shared/logger';
import { findRepoRoot } from '../shared/repoRoot';
import { onShutdown } from '../shared/shutdown';
import { type ChecksProvider, emptyChecksProvider, sharedChecks } from './checks';
import { labChecksProvider } from './labChecks';
import { type Collector, startCollector } from './collector';
import { NAME, type LabViewOptions } from './options';
import { roomAvatarHandler } from './roomAvatar';
import { SseHub } from './sse';

export const MAX_SSE_CLIENTS = 50;
export const HEARTBEAT_MS = 15_000;
/** Changes that arrive together (one Consul answer touching several views) go out as one push. */
const COALESCE_MS = 20;

// Consul strings reach this page: no inline script, nothing from elsewhere, so even a missed escape runs nothing.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** services/lab-view/public of the repo (or image) this file runs from: tsc does not copy it into dist/. */
export function publicDir(fromDir: string = __dirname): string {
  const root = findRepoRoot(fromDir);
  const dir = root && path.join(root, 'services', 'lab-view', 'public');
  if (!dir || !existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`the page's files are missing: expected services/lab-view/public/index.html under ${root ?? fromDir}`);
  }
  return dir;
}

export interface AppParts {
  collector: Pick<Collector, 'snapshot'>;
  hub: SseHub;
  consul: ConsulClient;
  checks: ChecksProvider;
  publicDir: string;
  logger: Logger;
  /** The shared page, where the room's avatars come from. */
  pageUrl: string;
}

export function createApp(p: AppParts): Express {
  const app = express();
  // One check run at a time, its outcome shared for 3 s: N open pages must not mean N full runs every 5 s.
  const checks = sharedChecks(p.checks);
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set({ 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
    next();
  });
  app.get('/events', (req, res) => {
    if (!p.hub.add(req, res, { event: 'state', data: p.collector.snapshot() })) {
      p.logger.warn('viewer refused: too many', { max: MAX_SSE_CLIENTS });
      return;
    }
    p.logger.info('viewer connected', { viewers: p.hub.size });
    req.on('close', () => p.logger.info('viewer left', { viewers: p.hub.size }));
  });
  app.get('/api/state', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(p.collector.snapshot());
  });
  app.get('/room.json', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(p.collector.snapshot().room);
  });
  app.get('/room/avatar/:name', roomAvatarHandler(p.pageUrl));
  app.get('/api/checks', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    try {
      const exercises = await checks(p.consul);
      res.json({ exercises });
    } catch (err) {
      res.status(500).json({ error: errorMessage(err).split('\n')[0] });
    }
  });
  // No icon: answer the browser's automatic request without a 404 line in its console.
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });
  app.use(express.static(p.publicDir, { index: 'index.html', maxAge: 0 }));
  return app;
}

export interface LabViewServer {
  server: Server;
  /** Where it listens (the port chosen when 0 was asked). */
  port: number;
  close(): Promise<void>;
}

/** Listen and collect; rejects with one line when it cannot listen. */
export async function startLabView(
  opts: LabViewOptions,
  logger: Logger,
  checks: ChecksProvider = emptyChecksProvider,
): Promise<LabViewServer> {
  const dir = publicDir();
  const consul = createConsulClient(opts.consulHttp);
  const hub = new SseHub({ maxClients: MAX_SSE_CLIENTS, heartbeatMs: HEARTBEAT_MS });
  // Listen before anything else starts: when the port is taken, the one error line is all that is said.
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    const onListenError = (err: NodeJS.ErrnoException): void => {
      hub.close();
      reject(new Error(`cannot listen on ${opts.bind}:${opts.port}: ${err.code ?? err.message}`));
    };
    server.once('error', onListenError);
    server.listen(opts.port, opts.bind, () => {
      // Left attached, the listen handler would take a later error for a failed start and close the SSE hub
      // without a word; once listening, an error is only logged.
      server.removeListener('error', onListenError);
      server.on('error', (err) => logger.error('server error', { error: errorMessage(err).split('\n')[0] }));
      resolve();
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const push = (): void => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (hub.size > 0) hub.broadcast('state', collector.snapshot());
    }, COALESCE_MS);
  };
  const collector = startCollector({ consul, logger, onChange: push, demoResultsUrl: opts.demoResults, pageUrl: opts.nginxUrl });
  server.on('request', createApp({ collector, hub, consul, checks, publicDir: dir, logger, pageUrl: opts.nginxUrl }));
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : opts.port;
  logger.info('listening', { bind: opts.bind, port, demoResults: opts.demoResults ?? 'off' });
  return {
    server,
    port,
    async close() {
      clearTimeout(timer);
      hub.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all([closed, collector.stop()]);
    },
  };
}

/** The CLI: run until SIGINT/SIGTERM. */
export async function runLabView(opts: LabViewOptions): Promise<void> {
  const logger = createLogger({ name: NAME, format: opts.logFormat });
  const checks = labChecksProvider({
    consulHttp: opts.consulHttp,
    nginxUrl: opts.nginxUrl,
    demoResults: opts.demoResults,
    connectResults: opts.connectResults,
  });
  const view = await startLabView(opts, logger, checks);
  onShutdown(() => view.close(), { logger });
}
