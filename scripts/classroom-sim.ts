#!/usr/bin/env node
// npm run classroom:sim -- up [--students N] | down
// A whole classroom on this one Docker engine, for trying classroom mode (and its e2e test) without a room full
// of laptops: an instructor machine and N student machines (containers, each with its own dockerd) on a venue
// LAN network, a GitHub stand-in, and inside the machines exactly the commands the people run (lab:up
// --classroom, lab:join). Progress goes to stderr; the last stdout line of `up` is JSON:
//   {"consulHttp","nginx","managementTokenFile","lan":{...},"students":[{"name","machine","address","joinSeconds","joinBreakdown"}]}
// `up` first runs the cached offline image build (lab:images; --no-build skips it), so the machines' images hold
// the same code as /lab/dist. `up` when a finished classroom is still running prints that JSON again (it does not rebuild it: use `down`
// first for a fresh one); leftovers of an unfinished one are removed first. A failed `up` removes what it
// started. `down` removes everything labelled lab.classroom-sim, volumes too.
// The work: scripts/lib/classroom/simCommand.ts.
import { Argument } from 'commander';
import { countOption, createProgram, runCli } from '../services/shared/cli';
import { MAX_STUDENTS } from './lib/classroom/sim/layout';
import { classroomSim, liveSimDeps, type SimOptions } from './lib/classroom/simCommand';
import { repoRoot } from './lib/docker/compose';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';

const NAME = 'classroom:sim';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = createProgram(NAME, 'A simulated classroom (instructor + students as Docker-in-Docker machines) on this Docker engine')
    .addArgument(new Argument('<action>', 'up: start it (prints JSON last); down: remove it').choices(['up', 'down']))
    .addOption(countOption('--students <n>', 'how many student machines (up)', 2, { min: 1, max: MAX_STUDENTS }))
    .option('--no-build', 'use the offline images as they are (default: the cached lab:images build first, seconds when nothing changed)')
    .option('--keep-on-failure', 'leave the machines of a failed up running, to look into (down removes them)');
  program.parse();
  const [action] = program.processedArgs as ['up' | 'down'];
  return classroomSim(NAME, action, program.opts<SimOptions>(), liveSimDeps(repoRoot()));
});
