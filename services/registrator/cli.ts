#!/usr/bin/env node
import { setTimeout as delay } from 'node:timers/promises';
import { runCli } from '../shared/cli';
import { consulUrl } from '../shared/consul/address';
import { createConsulClient } from '../shared/consul/client';
import { errorMessage } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { onShutdown } from '../shared/shutdown';
import { createConsulSide } from './consulSide';
import { type ReadOnlyDocker, createDockerSide } from './dockerSide';
import { NAME, parseRegistratorArgs } from './options';
import { type Clock, Registrator } from './registrator';
import { startStatusServer } from './status';

/** How long the engine may not answer at start before the registrator gives up (Compose restarts it). */
const DOCKER_START_DEADLINE_MS = 30_000;

const clock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
};

async function waitForDocker(docker: ReadOnlyDocker, socket: string): Promise<void> {
  const until = Date.now() + DOCKER_START_DEADLINE_MS;
  for (;;) {
    try {
      return await docker.ping();
    } catch (err) {
      if (Date.now() >= until) {
        throw new Error(`cannot reach the Docker engine at ${socket} for ${DOCKER_START_DEADLINE_MS / 1000} s: ${errorMessage(err)}`, {
          cause: err,
        });
      }
      await delay(1000);
    }
  }
}

async function main(): Promise<void> {
  // Parsed completely before anything starts: bad input is one line and exit 2.
  const o = parseRegistratorArgs(process.argv);
  const logger = createLogger({ name: NAME, format: o.logFormat }).child({ host: o.host });
  const docker = createDockerSide(o.dockerSocket, o.host, o.project);
  await waitForDocker(docker, o.dockerSocket);
  // A process that cannot do its job exits: without the host's container there is no namespace to serve.
  const hostContainerId = await docker.hostContainerId();
  if (hostContainerId === undefined) {
    throw new Error(`no running container of Compose service "${o.host}" in project "${o.project}": nothing to serve`);
  }
  const consul = createConsulClient(o.consulHttp);
  const registrator = new Registrator({
    docker,
    consul: createConsulSide(consul, o.host),
    clock,
    logger,
    host: o.host,
    project: o.project,
    hostContainerId,
  });
  const status = await startStatusServer(o.statusPort, () => registrator.health());
  logger.info('started', {
    project: o.project,
    hostContainer: hostContainerId.slice(0, 12),
    consul: consulUrl(o.consulHttp),
    statusPort: status.port,
  });
  const running = registrator.run();
  onShutdown(
    async () => {
      // Registrations stay: the workloads outlive the registrator (Registrator.stop says why).
      registrator.stop();
      await running;
      await status.close();
      consul.destroy();
      logger.info('stopped; registrations left as they are');
    },
    { logger },
  );
  await running;
}

void runCli(NAME, main);
