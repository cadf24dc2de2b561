import type Docker from 'dockerode';
import { createConsulClient } from '../../../services/shared/consul/client';
import type { RestartMode } from '../../../services/shared/names';
import {
  ALL_PROFILES,
  ComposeResult,
  REGISTRATOR_API_SERVICE,
  REGISTRATOR_PROFILE,
  REGISTRATOR_SERVICES,
  composeFailureLine,
  runCompose,
} from '../docker/compose';
import { LabConsul } from '../consul/labConsul';
import { readContainerLogs } from '../docker/engine';
import { LabContainer, listLabContainers } from '../docker/labContainers';
import { DEMO_SERVER_SERVICE } from '../docker/labServices';
import { OFFLINE_ENV_FILE } from '../docker/envFile';
import { LabSettings, BenchWhere, composeEnv } from './settings';

export type DemoRestartMode = RestartMode;

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
    for (const service of [REGISTRATOR_API_SERVICE, ...REGISTRATOR_SERVICES.filter((s) => s !== REGISTRATOR_API_SERVICE)])
      await this.compose([...profile, 'rm', '--stop', '--force', service], settings, `${REGISTRATOR_PROFILE} rm ${service}`);
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
