#!/usr/bin/env node
// enrollment: the classroom's door. Students exchange the join code for the join info and their own Consul
// token (app.ts); it runs on the instructor's host-a and mints tokens with the management token in CONSUL_HTTP_TOKEN.
import http from 'node:http';
import { runCli } from '../shared/cli';
import { createLogger } from '../shared/logger';
import { onShutdown } from '../shared/shutdown';
import { createEnrollmentApp } from './app';
import { consulAclRegistry } from './consulAcl';
import { NAME, enrollmentOptionsFromEnv } from './options';

void runCli(NAME, async () => {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(
      'enrollment: the classroom enrollment API (GET /v1/join-info, POST /v1/students, DELETE /v1/students/<name>)\n' +
        'Configured by env only: ENROLL_JOIN_INFO (JoinInfo JSON), CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, ENROLL_PORT (8099), ENROLL_BIND (0.0.0.0), LOG_FORMAT\n',
    );
    return 0;
  }
  const opts = enrollmentOptionsFromEnv();
  const log = createLogger({ name: NAME, format: opts.logFormat });
  const app = createEnrollmentApp(
    { joinInfoJson: opts.joinInfoJson, joinCode: opts.joinCode, datacenter: opts.datacenter },
    consulAclRegistry(opts.consulUrl, opts.consulToken),
    log,
  );
  const server = http.createServer(app);
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(`cannot listen on ${opts.bind}:${opts.port}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}`),
      ),
    );
    server.listen(opts.port, opts.bind, () => resolve());
  });
  log.info('listening', { address: `${opts.bind}:${opts.port}`, consul: opts.consulUrl });
  onShutdown(() => new Promise<void>((resolve) => server.close(() => resolve())), { logger: log });
});
