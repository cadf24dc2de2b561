import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { createConsulClient } from '../../../services/shared/consul/client';
import { ConsulTarget, consulRequest } from '../../../services/shared/consul/http';
import { healthEntriesSchema } from '../../../services/shared/consul/schemas';
import { pollUntil } from '../../../services/shared/poll';
import { DC2, PREPARED_QUERY } from '../../../services/exercises/facts';
import { WORKSHOP_SERVICE_NAME } from '../../../services/workshop-api/names';
import type { RestartMode } from '../../../services/shared/names';
import {
  ALL_PROFILES,
  ComposeResult,
  DC2_PROFILE,
  DC2_SERVICES,
  REGISTRATOR_PROFILE,
  REGISTRATOR_SERVICES,
  composeFailureLine,
  repoRoot,
  runCompose,
} from '../docker/compose';
import { LabConsul } from '../consul/labConsul';
import { readContainerLogs } from '../docker/engine';
import { LabContainer, listLabContainers } from '../docker/labContainers';
import { DEMO_SERVER_SERVICE } from '../docker/labServices';
import { OFFLINE_ENV_FILE } from '../docker/envFile';
import { LabSettings, BenchWhere, composeEnv } from './settings';
import { deletePreparedQuery, preparedQueryFileSchema, putPreparedQuery } from './preparedQuery';

export type DemoRestartMode = RestartMode;

/** Exercise 8's prepared query, as the README has the student create it. */
export const PREPARED_QUERY_FILE = path.join('consul', 'queries', `${PREPARED_QUERY}.json`);
/** dc2's workshop instances (docker-compose.yml: dc2-api-1, dc2-api-2 on host-c). */
export const DC2_INSTANCES = 2;

/**
 * The bench's own copy of the lab, driven through Compose (up/down/scale need Compose semantics) with the
 * air-gapped images, its own project name, ports and subnet. One job: start, switch, scale, stop it.
 */
export class BenchLab {
  readonly consul: LabConsul;
  readonly nginxUrl: string;
  /** host-a's agent, as published on the host. */
  readonly consulUrl: string;
  private readonly closeConsul: () => void;

  constructor(
    readonly docker: Docker,
    readonly where: BenchWhere,
    private readonly onComposeLine: (line: string) => void = () => undefined,
  ) {
    const client = createConsulClient({ host: '127.0.0.1', port: where.consulHttpPort, secure: false });
    this.consulUrl = `http://127.0.0.1:${where.consulHttpPort}`;
    this.consul = new LabConsul(client, this.consulUrl);
    this.closeConsul = () => client.destroy();
    this.nginxUrl = `http://127.0.0.1:${where.nginxPort}`;
  }

  private async compose(
    args: string[],
    settings: LabSettings,
    what: string,
    extraEnv: Record<string, string> = {},
  ): Promise<ComposeResult> {
    const r = await runCompose(args, {
      project: this.where.project,
      envFile: OFFLINE_ENV_FILE,
      env: { ...composeEnv(this.where, settings), ...extraEnv },
      onLine: (l) => this.onComposeLine(l),
    });
    if (r.code !== 0) {
      const tail = (r.stderr + '\n' + r.stdout)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .slice(-3)
        .join(' | ');
      throw new Error(`docker compose ${what} (project ${this.where.project}) failed: ${composeFailureLine(r)} (last output: ${tail})`);
    }
    return r;
  }

  /** `up -d --wait`: returns once every container's healthcheck passes; the time it took, in ms. */
  async up(settings: LabSettings, timeoutS = 180): Promise<number> {
    const t0 = performance.now();
    await this.compose(['up', '-d', '--wait', '--wait-timeout', String(timeoutS)], settings, 'up');
    return performance.now() - t0;
  }

  /** `down -v`: containers, network and Consul's data volumes. -t 1: how fast it stops is not measured. */
  async down(settings: LabSettings, timeoutS = 1): Promise<void> {
    await this.compose([...ALL_PROFILES, 'down', '-v', '--remove-orphans', '-t', String(timeoutS)], settings, 'down -v');
  }

  /**
   * demo-server with `n` replicas in a restart mode (break-before-make, the lab's default, or make-before-break).
   * `keep`: --no-recreate, the running containers stay (a scale with the same mode); without it, a mode other
   * than the running containers' recreates them. --no-deps: never start a workshop-api container a trial stopped.
   */
  async demoServers(n: number, settings: LabSettings, restartMode: DemoRestartMode, keep: boolean): Promise<void> {
    await this.compose(
      [
        'up',
        '-d',
        '--no-deps',
        ...(keep ? ['--no-recreate'] : []),
        '--wait',
        '--scale',
        `${DEMO_SERVER_SERVICE}=${n}`,
        DEMO_SERVER_SERVICE,
      ],
      settings,
      `${DEMO_SERVER_SERVICE}=${n} ${restartMode}`,
      { LAB_DEMO_RESTART_MODE: restartMode },
    );
  }

  /**
   * Exercise 6's `registrator` profile on (the registrator and api-b3, the instance it registers) or off again.
   * Only those two services, --no-deps: never the demo side's containers (scaled or recreated meanwhile) nor a
   * workshop-api a trial stopped. Off: api-b3 first, so the registrator sees it die and deregisters it.
   */
  async registrator(on: boolean, settings: LabSettings, timeoutS = 180): Promise<void> {
    const profile = ['--profile', REGISTRATOR_PROFILE];
    if (on) {
      await this.compose(
        [...profile, 'up', '-d', '--no-deps', '--wait', '--wait-timeout', String(timeoutS), ...REGISTRATOR_SERVICES],
        settings,
        `${REGISTRATOR_PROFILE} up`,
      );
      return;
    }
    // REGISTRATOR_SERVICES lists dependents first: api-b3, then the registrator.
    for (const service of REGISTRATOR_SERVICES)
      await this.compose([...profile, 'rm', '--stop', '--force', service], settings, `${REGISTRATOR_PROFILE} rm ${service}`);
  }

  /**
   * Exercise 8's `dc2` profile on (dc2's server, host-c, its agent and its two workshop instances) with the
   * prepared query workshop-nearest in place, or off again with the query deleted. Only those five services,
   * --no-deps: they depend on nothing but each other (so naming them all starts them in order), and the demo side's
   * containers (scaled or recreated meanwhile) and the workshop-api containers a trial stopped are never touched.
   * On returns once dc2's instances pass as dc1's servers see them across the WAN. Off: dependents first.
   */
  async dc2(on: boolean, settings: LabSettings, timeoutS = 180): Promise<void> {
    const profile = ['--profile', DC2_PROFILE];
    if (on) {
      await this.compose(
        [...profile, 'up', '-d', '--no-deps', '--wait', '--wait-timeout', String(timeoutS), ...DC2_SERVICES],
        settings,
        `${DC2_PROFILE} up`,
      );
      const file = await readFile(path.join(repoRoot(), PREPARED_QUERY_FILE), 'utf8');
      await putPreparedQuery(this.consulTarget(), preparedQueryFileSchema.parse(JSON.parse(file)));
      const dc2Passing = `/v1/health/service/${encodeURIComponent(WORKSHOP_SERVICE_NAME)}?dc=${DC2}&passing`;
      // Until the WAN join is done, dc1's servers answer "No path to datacenter" (HTTP 500): not yet.
      await pollUntil(
        async () =>
          (await consulRequest(this.consulTarget(), { path: dc2Passing, schema: healthEntriesSchema })).length >= DC2_INSTANCES ||
          undefined,
        {
          timeoutMs: timeoutS * 1000,
          intervalMs: 250,
          what: `${DC2_INSTANCES} workshop instances passing in ${DC2} (project ${this.where.project})`,
        },
      );
      return;
    }
    let queryError: Error | undefined;
    await deletePreparedQuery(this.consulTarget()).catch((err: Error) => void (queryError = err));
    for (const service of DC2_SERVICES)
      await this.compose([...profile, 'rm', '--stop', '--force', service], settings, `${DC2_PROFILE} rm ${service}`);
    if (queryError) throw new Error(`deleting the prepared query ${PREPARED_QUERY}: ${queryError.message}`);
  }

  private consulTarget(): ConsulTarget {
    return { baseUrl: this.consulUrl, timeoutMs: 5000 };
  }

  /** The last log lines of the project's containers that are not running: why a start failed. */
  async exitedContainerLogs(lines = 5): Promise<string[]> {
    const out: string[] = [];
    for (const c of (await this.containers()).filter((x) => x.state !== 'running')) {
      const { stdout, stderr } = await readContainerLogs(this.docker, c.id, { tail: lines }).catch(() => ({ stdout: '', stderr: '' }));
      out.push(`${c.name} (${c.state}): ${(stdout + stderr).split('\n').filter(Boolean).slice(-lines).join(' | ')}`);
    }
    return out;
  }

  containers(): Promise<LabContainer[]> {
    return listLabContainers(this.docker, this.where.project);
  }

  close(): void {
    this.closeConsul();
  }
}
