#!/usr/bin/env node
// npm run lab:leave [-- --forget] — take this student's machine out of the classroom (issue 12, item 3):
// `docker compose down -v` of the student's stack (workshop-api deregisters, then the agent LEAVES the cluster
// gracefully, so its node and service go from the instructor's catalog and page), then frees the name with the
// instructor's enrollment service (https, DELETE /v1/students/<name> with the student's own token: Consul's logout), then removes the
// saved state (LAB_STUDENT_DIR). When the instructor cannot be reached, the state is kept so that a later
// lab:leave can still free the name; --forget drops it anyway (the instructor can free the name instead).
import { createProgram, runCli } from '../services/shared/cli';
import { registerSecret } from '../services/shared/secrets';
import { composeFailureLine, repoRoot, runCompose } from './lib/docker/compose';
import { connectDocker } from './lib/docker/engine';
import { listLabContainers } from './lib/docker/labContainers';
import { Progress } from './lib/term/progress';
import { formatSeconds } from './lib/term/table';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';
import { EnrollError, pinnedFetch, releaseStudent } from './lib/classroom/enrollClient';
import { instructorPortsHint, studentSettings } from './lib/classroom/studentAddress';
import { leaveComposeEnv, STUDENT_COMPOSE_FILE } from './lib/classroom/studentCompose';
import { readStudentState, removeStudentState, studentDir, type StudentState } from './lib/classroom/studentState';
import path from 'node:path';

const NAME = 'lab:leave';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = createProgram(NAME, "Leave the instructor's classroom: remove your host and free your name").option(
    '--forget',
    "remove this machine's saved enrolment even when the instructor cannot be reached to free the name (or the saved state is damaged)",
  );
  program.parse();
  const opts = program.opts<{ forget?: boolean }>();
  const settings = studentSettings();
  const root = repoRoot();
  const dir = studentDir(root);

  let state: StudentState | undefined;
  try {
    state = readStudentState(dir);
  } catch (err) {
    if (!opts.forget) throw err;
  }
  if (state) registerSecret(state.token);
  // The project the stack was started as (the saved one), so a changed LAB_STUDENT_PROJECT cannot miss it.
  const project = state?.project ?? settings.project;

  const docker = await connectDocker();
  const before = await listLabContainers(docker, project);
  process.stdout.write(
    before.length
      ? `Leaving the class${state ? ` of ${state.joinInfo.instructor} as "${state.name}"` : ''}: removing your host (${before.length} containers, docker compose -p ${project} down -v)\n`
      : `No containers of "${project}"; removing its network and volume if any${state ? `, then freeing "${state.name}"` : ''}\n`,
  );
  const progress = new Progress();
  const r = await runCompose(['-f', path.join(root, STUDENT_COMPOSE_FILE), 'down', '--volumes', '--remove-orphans'], {
    project,
    cwd: root,
    env: leaveComposeEnv(state, { ...settings, project }),
    // Compose's own lines are the progress; of Stopping/Stopped/Removing/Removed keep the outcomes.
    onLine: (line) => {
      if (/\b(Stopped|Removed)$/.test(line.trim())) progress.line(line.trim().replace(/\s{2,}/g, ' '));
    },
  });
  if (r.code !== 0) throw new Error(`docker compose down failed: ${composeFailureLine(r)}`);
  const left = await listLabContainers(docker, project);
  if (left.length) throw new Error(`${left.length} containers of "${project}" are still there: ${left.map((c) => c.name).join(', ')}`);
  if (before.length) progress.line('your host is gone: the agent left the cluster, its node and service with it');

  if (!state) {
    if (opts.forget) removeStudentState(dir);
    process.stdout.write(`Left after ${formatSeconds(progress.elapsedMs())} (no saved enrolment in ${dir}: no name to free).\n`);
    return 0;
  }
  try {
    const outcome = await releaseStudent(state.joinInfo.enrollUrl, state.name, state.token, {
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
  process.stdout.write(`Left the class after ${formatSeconds(progress.elapsedMs())}; ${dir} removed.\n`);
  return 0;
});
