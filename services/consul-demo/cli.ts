#!/usr/bin/env node
import { runCli } from '../shared/cli';
import { createConsulClient } from '../shared/consul/client';
import { createLogger } from '../shared/logger';
import { onShutdown } from '../shared/shutdown';
import { DemoClient } from './client';
import { DnsDiscovery } from './discovery/dns';
import { HttpDiscovery } from './discovery/http';
import { writeInstanceFile } from './instanceFile';
import { Discovery, DiscoveryMethod } from './discovery/types';
import { ClientOptions, ServerOptions, parseArgs } from './options';
import { createSelector } from './selection';
import { RecentResults, startStatusServer } from './statusServer';
import { DemoServer } from './server';
import { ClientRequestLine, resultJson, resultText, summaryJson, summaryText } from './summary';

/** The demo must be gone within 2 s of SIGINT/SIGTERM; past this, onShutdown exits 1 (and says so). */
const SHUTDOWN_BUDGET_MS = 1900;

async function runServer(o: ServerOptions): Promise<void> {
  const logger = createLogger({ name: 'consul-demo-server', format: o.logFormat });
  // No try/catch: parseConsulHttpAddr already checked the address makes a valid URL (bad input, exit 2).
  const consul = createConsulClient(o.consulHttp);
  const { logFormat: _logFormat, consulHttp: _consulHttp, instanceFile, ...settings } = o;
  // The server has already logged why and cleaned up (listener closed, deregistered as far as Consul let it).
  const server = new DemoServer({ ...settings, consul, logger, onFatal: () => process.exit(1) });
  // Before anything listens, so that a bad path is bad input (exit 2) and a healthcheck never sees an old prefix.
  if (instanceFile) writeInstanceFile(instanceFile, server.instancePrefix);
  logger.info('starting', {
    version: o.version ?? 'random per restart',
    advertise: o.advertise,
    instance: server.instancePrefix,
    restartEvery: o.restartEveryMs[1] === 0 ? 'never' : `${o.restartEveryMs[0]}-${o.restartEveryMs[1]}ms`,
  });
  onShutdown(() => server.stop(), { logger, timeoutMs: SHUTDOWN_BUDGET_MS });
  await server.start();
  // From here the restart loop and the signal handler own the process.
}

async function runClient(o: ClientOptions): Promise<number> {
  const logger = createLogger({ name: 'consul-demo-client', format: o.logFormat });
  const consul = o.consulHttp ? createConsulClient(o.consulHttp) : undefined;
  const dns = o.consulDns ? new DnsDiscovery(o.consulDns, o.discoveryTimeoutMs, o.dnsLookup) : undefined;
  const unused = (method: DiscoveryMethod): Discovery => ({
    method,
    discover: () => Promise.reject(new Error(`${method} discovery is switched off (--discovery ${o.discovery})`)),
  });
  const discoveries: Record<DiscoveryMethod, Discovery> = {
    dns: dns ?? unused('dns'),
    http: consul ? new HttpDiscovery(consul, o.discoveryTimeoutMs) : unused('http'),
  };
  const write = (line: string): void => void process.stdout.write(line + '\n');
  const recent = new RecentResults();
  // Before the first request, so that a port that cannot be had ends the client (exit 1) before anything ran.
  const status = o.statusPort ? await startStatusServer({ port: o.statusPort, bind: o.statusBind, results: recent, logger }) : undefined;
  const client = new DemoClient({
    intervalMs: o.intervalMs,
    count: o.count,
    discoveryMode: o.discovery,
    discoveries,
    selector: createSelector(o.select),
    timeoutMs: o.timeoutMs,
    retryDelayMs: o.retryDelayMs,
    logger,
    onResult: (r: ClientRequestLine, n: number) => {
      recent.add(r);
      write(o.json ? resultJson(r) : resultText(r, n));
    },
  });
  const printSummary = (): void => {
    const s = client.stats.summary();
    write(o.json ? summaryJson(s) : summaryText(s));
  };
  // Ctrl-C is how a learner ends the client: print what was measured, exit 0.
  onShutdown(
    async () => {
      client.stop();
      printSummary();
      await status?.close();
    },
    { logger, timeoutMs: SHUTDOWN_BUDGET_MS },
  );
  try {
    await client.run();
    printSummary();
  } finally {
    // Also when run() rejects: a status server left listening would keep the process alive after the error line.
    await status?.close();
    consul?.destroy();
    dns?.close();
  }
  return 0;
}

void runCli('consul-demo', async () => {
  const parsed = parseArgs(process.argv.slice(2));
  if (parsed.mode === 'server') return runServer(parsed.options);
  return runClient(parsed.options);
});
