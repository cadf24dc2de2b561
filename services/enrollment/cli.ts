#!/usr/bin/env node
// enrollment: the classroom's door (README.md beside this file). Over https, students exchange the join code for the
// join info and their own Consul token; it runs on the instructor's host-a with a token that only reads, and gets
// the students' tokens from Consul's login with a JWT it signs.
import { runCli } from '../shared/cli';
import { createLogger } from '../shared/logger';
import { onShutdown } from '../shared/shutdown';
import { createEnrollmentApp } from './app';
import { consulAclRegistry } from './consulAcl';
import { NAME, enrollmentOptionsFromEnv } from './options';
import { createEnrollmentServer } from './server';
import { studentJwtSigner } from './studentJwt';

void runCli(NAME, async () => {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(
      'enrollment: the classroom enrollment API over https (POST /v1/join-info, POST /v1/students, DELETE /v1/students/<name>, GET /health)\n' +
        'Configured by env only: ENROLL_JOIN_INFO (JoinInfo JSON), ENROLL_TLS_CERT / ENROLL_TLS_KEY (PEM), ENROLL_JWT_KEY (PKCS#8 PEM, EC P-256),\n' +
        'CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, ENROLL_PORT (8099), ENROLL_BIND (0.0.0.0), LOG_FORMAT\n',
    );
    return 0;
  }
  const opts = enrollmentOptionsFromEnv();
  const log = createLogger({ name: NAME, format: opts.logFormat });
  const app = createEnrollmentApp(
    { joinInfoJson: opts.joinInfoJson, joinCode: opts.joinCode, datacenter: opts.datacenter },
    consulAclRegistry({ consulUrl: opts.consulUrl, token: opts.consulToken, signJwt: studentJwtSigner(opts.jwtKey) }),
    log,
  );
  const server = createEnrollmentServer(app, { certPem: opts.tlsCertPem, keyPem: opts.tlsKeyPem });
  await server.listen(opts.port, opts.bind);
  log.info('listening', { address: `https://${opts.bind}:${opts.port}`, consul: opts.consulUrl });
  onShutdown(() => server.close(), { logger: log });
});
