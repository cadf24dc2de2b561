#!/usr/bin/env node
import { runCli } from '../shared/cli';
import { createLogger } from '../shared/logger';
import { onShutdown } from '../shared/shutdown';
import { terminalSafeJson } from '../shared/terminalText';
import { formatIpPort } from './address';
import { RequestChanges, TlsChanges, type Change } from './changes';
import { InventoryClient } from './client';
import { INVENTORY_CLIENT_NAME as NAME } from './names';
import { parseInventoryClientArgs } from './options';
import { RecentResults } from './results';
import { startStatusServer } from './statusServer';

// options.ts: flags and env; client.ts: the two loops; exchange.ts: one PING; tlsProbe.ts: the TLS probe;
// changes.ts: the text log's "what changed"; statusServer.ts: GET /results and /health; names.ts: the shapes.
void runCli(NAME, async () => {
  const o = parseInventoryClientArgs(process.argv);
  const logger = createLogger({ name: NAME, format: o.logFormat });
  const write = (line: string): void => void process.stdout.write(line + '\n');
  const log = (c: Change | undefined): void => void (c && logger[c.level](c.msg, c.fields));
  const target = formatIpPort(o.target);
  const recent = new RecentResults();
  const requestChanges = new RequestChanges(target);
  const tlsChanges = new TlsChanges();
  const client = new InventoryClient({
    target: o.target,
    everyMs: o.everyMs,
    timeoutMs: o.timeoutMs,
    tlsProbe: o.tlsProbe,
    tlsEveryMs: o.tlsEveryMs,
    onRequest: (r) => {
      recent.addRequest(r);
      if (o.json) write(terminalSafeJson(r));
      else log(requestChanges.next(r));
    },
    onTls: (r) => {
      recent.setTls(r);
      if (o.json) write(terminalSafeJson(r));
      else log(tlsChanges.next(r));
    },
  });
  // Before the first request: a port that cannot be had ends the program (exit 1) before anything ran.
  const status = await startStatusServer({
    port: o.statusPort,
    bind: '127.0.0.1',
    results: recent,
    ready: () => client.requests > 0,
    logger,
  });
  logger.info('starting', { target, every: o.everyMs, tlsProbe: o.tlsProbe ? formatIpPort(o.tlsProbe) : 'off' });
  onShutdown(
    async () => {
      client.stop();
      await status.close();
    },
    { logger },
  );
  await client.run();
});
