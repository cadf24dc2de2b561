#!/usr/bin/env node
// npm run classroom:sim -- up [--students N] [--full F] | add [--students N] [--full F] | down
// A whole classroom on this one Docker engine, for trying classroom mode (and its e2e test) without a room full
// of laptops: an instructor machine, F students with a machine of their own (containers, each with its own dockerd),
// the other students together on one room machine (one engine; each its own LAN address, agent, API and lab:join),
// on a venue LAN network, a GitHub stand-in, and inside the machines exactly the commands the people run (lab:up
// --classroom, lab:join). Progress goes to stderr; the last stdout line of `up` and `add` is JSON:
//   {"consulHttp","nginx","labView","managementTokenFile","lan":{...},"fullStudents",
//    "students":[{"index","name","fidelity","machine","address","joinSeconds","joinBreakdown"}]}
// `up` first runs the cached offline image build (lab:images; --no-build skips it), so the machines' images hold
// the same code as /lab/dist. `up` when a finished classroom is still running prints that JSON again (it does not rebuild it: use `down`
// first for a fresh one); leftovers of an unfinished one are removed first. A failed `up` removes what it
// started. `down` removes everything labelled lab.classroom-sim, volumes too.
// The work: scripts/lib/classroom/simCommand.ts.
import { Argument } from 'commander';
import { countOption, createProgram, runCli } from '../services/shared/cli';
import { DEFAULT_FULL_STUDENTS, MAX_STUDENTS } from './lib/classroom/sim/layout';
import { classroomSim, liveSimDeps, type SimAction, type SimOptions } from './lib/classroom/simCommand';
import { repoRoot } from './lib/docker/compose';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';

const NAME = 'classroom:sim';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = createProgram(NAME, 'A simulated classroom (instructor + students as Docker-in-Docker machines) on this Docker engine')
    .addArgument(
      new Argument(
        '<action>',
        'up: start it (prints JSON last); add: more students join the running room (prints JSON last); down: remove it',
      ).choices(['up', 'add', 'down']),
    )
    .addOption(countOption('--students <n>', 'how many students (up: the room; add: how many more)', 2, { min: 1, max: MAX_STUDENTS }))
    .addOption(
      countOption(
        '--full <n>',
        `how many students get a machine (an engine) of their own; the rest share one (up: the first ones, default ${DEFAULT_FULL_STUDENTS}; add: the first new ones, default 0)`,
        DEFAULT_FULL_STUDENTS,
        { min: 0, max: MAX_STUDENTS },
      ).default(undefined),
    )
    .option('--no-build', 'use the offline images as they are (default: the cached lab:images build first, seconds when nothing changed)')
    .option('--keep-on-failure', 'leave the machines of a failed up running, to look into (down removes them)');
  program.parse();
  const [action] = program.processedArgs as [SimAction];
  return classroomSim(NAME, action, program.opts<SimOptions>(), liveSimDeps(repoRoot()));
});
