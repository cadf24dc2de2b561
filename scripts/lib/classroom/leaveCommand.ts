// npm run lab:leave's work (scripts/lab-leave.ts parses the flags): `docker compose down -v` of the student's stack,
// then the name freed with the instructor's enrollment service, then the saved state removed. The world (Docker,
// Compose, the enrollment service) comes in as LeaveDeps (leaveCommand.test.ts).
import path from 'node:path';
import type Docker from 'dockerode';
import { registerSecret } from '../../../services/shared/secrets';
import { runCompose, type ComposeOptions, type ComposeResult } from '../docker/compose';
import { connectDocker } from '../docker/engine';
import { listLabContainers, type LabContainer } from '../docker/labContainers';
import { liveCommandIo, type CommandIo } from '../lab/commandIo';
import { checkDown, downProgress } from '../lab/composeDown';
import { formatSeconds } from '../term/table';
import { EnrollError, pinnedFetch, releaseStudent, type EnrollClientOptions } from './enrollClient';
import { instructorPortsHint, studentSettings } from './studentAddress';
import { leaveComposeEnv, STUDENT_COMPOSE_FILE } from './studentCompose';
import { readStudentState, removeStudentState, studentDir, type StudentState } from './studentState';

export interface LeaveOptions {
  forget?: boolean;
}

export interface LeaveDeps extends CommandIo {
  root: string;
  env: NodeJS.ProcessEnv;
  /** The project's containers, from a Docker connection made on the first call. */
  connectDocker(): Promise<{ listContainers(project: string): Promise<LabContainer[]> }>;
  runCompose(args: string[], opts: ComposeOptions): Promise<ComposeResult>;
  releaseStudent(enrollUrl: string, name: string, token: string, opts: EnrollClientOptions): Promise<'released' | 'unknown'>;
}

export function liveLeaveDeps(root: string): LeaveDeps {
  const engineOf = (docker: Docker) => ({ listContainers: (project: string) => listLabContainers(docker, project) });
  return {
    ...liveCommandIo(),
    root,
    env: process.env,
    connectDocker: async () => engineOf(await connectDocker()),
    runCompose,
    releaseStudent,
  };
}

/** lab:leave: 0 when the host is gone (and the name free, or --forget), or it throws one line. */
export async function labLeave(opts: LeaveOptions, deps: LeaveDeps): Promise<number> {
  const settings = studentSettings(deps.env);
  const root = deps.root;
  const dir = studentDir(root, deps.env);

  let state: StudentState | undefined;
  try {
    state = readStudentState(dir);
  } catch (err) {
    if (!opts.forget) throw err;
  }
  if (state) registerSecret(state.token);
  // The project the stack was started as (the saved one), so a changed LAB_STUDENT_PROJECT cannot miss it.
  const project = state?.project ?? settings.project;

  const engine = await deps.connectDocker();
  const before = await engine.listContainers(project);
  deps.out(
    before.length
      ? `Leaving the class${state ? ` of ${state.joinInfo.instructor} as "${state.name}"` : ''}: removing your host (${before.length} containers, docker compose -p ${project} down -v)\n`
      : `No containers of "${project}"; removing its network and volume if any${state ? `, then freeing "${state.name}"` : ''}\n`,
  );
  const progress = deps.newProgress();
  const r = await deps.runCompose(['-f', path.join(root, STUDENT_COMPOSE_FILE), 'down', '--volumes', '--remove-orphans'], {
    project,
    cwd: root,
    env: leaveComposeEnv(state, { ...settings, project }),
    onLine: downProgress(progress),
  });
  await checkDown(r, () => engine.listContainers(project), project);
  if (before.length) progress.line('your host is gone: the agent left the cluster, its node and service with it');

  if (!state) {
    if (opts.forget) removeStudentState(dir);
    deps.out(`Left after ${formatSeconds(progress.elapsedMs())} (no saved enrolment in ${dir}: no name to free).\n`);
    return 0;
  }
  try {
    const outcome = await deps.releaseStudent(state.joinInfo.enrollUrl, state.name, state.token, {
      portsHint: instructorPortsHint(state.joinInfo.instructor, state.joinInfo.servers),
      // https to the instructor, trusting the classroom CA saved at join (pinned then) and nothing else.
      fetch: pinnedFetch(state.joinInfo.ca),
    });
    progress.line(
      outcome === 'released'
        ? `the name "${state.name}" is free again`
        : `the instructor's enrollment service no longer knows this machine's token: nothing to free`,
    );
  } catch (err) {
    if (!(err instanceof EnrollError) || !opts.forget) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(
        `${why}; your host is removed but the name "${state.name}" is still taken: run npm run lab:leave again once the instructor is reachable (or add --forget and ask the instructor)`,
        { cause: err },
      );
    }
    progress.line(`could not free the name "${state.name}" (--forget): the instructor can`);
  }
  removeStudentState(dir);
  deps.out(`Left the class after ${formatSeconds(progress.elapsedMs())}; ${dir} removed.\n`);
  return 0;
}
