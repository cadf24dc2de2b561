// npm run lab:down's work (scripts/lab-down.ts parses the flags): `docker compose down` for the lab's project, with
// the files and settings it was started with, and -v for its volumes (Consul's raft data).
import type Docker from 'dockerode';
import { ALL_PROFILES, composeContextFromLabels, runCompose, type ComposeOptions, type ComposeResult } from '../docker/compose';
import { connectDocker } from '../docker/engine';
import { listLabContainers, resolveProjectName, type LabContainer } from '../docker/labContainers';
import { runningLabEnv } from '../docker/publishedPorts';
import { liveCommandIo, type CommandIo } from './commandIo';
import { checkDown, downProgress } from './composeDown';

export interface DownOptions {
  project?: string;
  volumes?: boolean;
}

/** What lab:down does with Docker, once connected. */
export interface DownEngine {
  listContainers(project: string): Promise<LabContainer[]>;
  /** The LAB_* settings the running lab was started with. */
  runningLabEnv(project: string, containers: LabContainer[]): Promise<Record<string, string>>;
}

export interface DownDeps extends CommandIo {
  root: string;
  env: NodeJS.ProcessEnv;
  connectDocker(): Promise<DownEngine>;
  runCompose(args: string[], opts: ComposeOptions): Promise<ComposeResult>;
}

export function liveDownDeps(root: string): DownDeps {
  const engineOf = (docker: Docker): DownEngine => ({
    listContainers: (project) => listLabContainers(docker, project),
    runningLabEnv: (project, containers) => runningLabEnv(docker, project, containers),
  });
  return { ...liveCommandIo(), root, env: process.env, connectDocker: async () => engineOf(await connectDocker()), runCompose };
}

/** lab:down: 0 when nothing of the project is left, or it throws one line. */
export async function labDown(opts: DownOptions, deps: DownDeps): Promise<number> {
  const project = resolveProjectName(opts.project, deps.env);
  const engine = await deps.connectDocker();

  const before = await engine.listContainers(project);
  // Use the files the lab was started with (same env file), so `down` resolves the same project.
  const context = before[0] ? composeContextFromLabels(before[0].labels) : undefined;
  const env = await engine.runningLabEnv(project, before);
  deps.out(
    before.length
      ? `Stopping lab "${project}" (${before.length} containers)${opts.volumes ? ' and removing its volumes' : ''}\n`
      : `Lab "${project}" has no containers; removing its network${opts.volumes ? ' and volumes' : ''} if any\n`,
  );
  const progress = deps.newProgress();
  // Every profile: `down` alone leaves the containers of a profile that is not enabled (the registrator) running.
  const r = await deps.runCompose([...ALL_PROFILES, 'down', '--remove-orphans', ...(opts.volumes ? ['--volumes'] : [])], {
    project,
    context,
    env,
    cwd: deps.root,
    onLine: downProgress(progress),
  });
  await checkDown(r, () => engine.listContainers(project), project);
  deps.out(
    `Lab "${project}" is down after ${(progress.elapsedMs() / 1000).toFixed(1)} s.${opts.volumes || !before.length ? '' : ' Consul data kept (add -v to remove it).'}\n`,
  );
  return 0;
}
