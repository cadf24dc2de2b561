#!/usr/bin/env node
import { runCli } from '../shared/cli';
import { createLogger } from '../shared/logger';
import { onShutdown } from '../shared/shutdown';
import { NAME, parseInventoryArgs } from './options';
import { createInventoryServer, listen } from './server';

// options.ts: flags and env; server.ts: the TCP server; protocol.ts: the commands. No Consul anywhere: that is the lesson.
void runCli(NAME, async () => {
  const o = parseInventoryArgs(process.argv);
  const logger = createLogger({ name: NAME, format: o.logFormat });
  const server = createInventoryServer({ port: o.port, bind: o.bind });
  await listen(server, o.port, o.bind);
  logger.info('listening', { bind: o.bind, port: o.port });
  onShutdown(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Clients may idle for a minute: do not wait for them.
        setTimeout(() => resolve(), 500).unref();
      }),
    { logger },
  );
});
