#!/usr/bin/env node
// npm run lab:leave [-- --forget] — take this student's machine out of the classroom (issue 12, item 3):
// `docker compose down -v` of the student's stack (workshop-api deregisters, then the agent LEAVES the cluster
// gracefully, so its node and service go from the instructor's catalog and page), then frees the name with the
// instructor's enrollment service (https, DELETE /v1/students/<name> with the student's own token: Consul's logout), then removes the
// saved state (LAB_STUDENT_DIR). When the instructor cannot be reached, the state is kept so that a later
// lab:leave can still free the name; --forget drops it anyway (the instructor can free the name instead).
// The work: scripts/lib/classroom/leaveCommand.ts.
import { createProgram, runCli } from '../services/shared/cli';
import { repoRoot } from './lib/docker/compose';
import { labLeave, liveLeaveDeps, type LeaveOptions } from './lib/classroom/leaveCommand';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';

const NAME = 'lab:leave';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = createProgram(NAME, "Leave the instructor's classroom: remove your host and free your name").option(
    '--forget',
    "remove this machine's saved enrolment even when the instructor cannot be reached to free the name (or the saved state is damaged)",
  );
  program.parse();
  return labLeave(program.opts<LeaveOptions>(), liveLeaveDeps(repoRoot()));
});
