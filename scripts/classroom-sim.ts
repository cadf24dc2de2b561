#!/usr/bin/env node
// npm run classroom:sim -- up [--students N] | down
// A whole classroom on this one Docker engine, for trying classroom mode (and its e2e test) without a room full
// of laptops: an instructor machine and N student machines (containers, each with its own dockerd) on a venue
// LAN network, a GitHub stand-in, and inside the machines exactly the commands the people run (lab:up
// --classroom, lab:join). Progress goes to stderr; the last stdout line of `up` is JSON:
//   {"consulHttp","nginx","managementTokenFile","lan":{...},"students":[{"name","machine","address","joinSeconds"}]}
// `up` first runs the cached offline image build (lab:images; --no-build skips it), so the machines' images hold
// the same code as /lab/dist. `up` when a finished classroom is still running prints that JSON again (it does not rebuild it: use `down`
// first for a fresh one); leftovers of an unfinished one are removed first. A failed `up` removes what it
// started. `down` removes everything labelled lab.classroom-sim, volumes too.
import { constants } from 'node:os';
import { Argument } from 'commander';
import { countOption, createProgram, runCli } from '../services/shared/cli';
import { repoRoot } from './lib/docker/compose';
import { connectDocker } from './lib/docker/engine';
import { UpCleanup, classroomDown, classroomUp } from './lib/classroom/sim/classroom';
import { simDir } from './lib/classroom/sim/simState';
import { MAX_STUDENTS } from './lib/classroom/sim/layout';
import { Progress } from './lib/term/progress';
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
  const [action] = program.processedArgs as [string];
  const opts = program.opts<{ students: number; build: boolean; keepOnFailure?: boolean }>();
  const progress = new Progress((line) => process.stderr.write(line + '\n'));
  const say = (line: string): void => progress.line(line);
  const root = repoRoot();
  const docker = await connectDocker();

  if (action === 'down') {
    const removed = await classroomDown(docker, root, say);
    process.stderr.write(removed ? `${NAME}: down (${(progress.elapsedMs() / 1000).toFixed(1)} s)\n` : `${NAME}: nothing to remove\n`);
    return 0;
  }

  // Ctrl-C (or a test's SIGTERM) during up: remove what it started rather than leave machines half-made. The
  // failure path of up (its docker execs break when the machines go) waits on the same removal.
  const cleanup = new UpCleanup(docker, simDir(root), say);
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    say(`${sig}: removing what this up started`);
    void cleanup.run().finally(() => {
      process.stderr.write(`${NAME}: interrupted (${sig}); removed what this up had started\n`);
      // The shell's code for death by that signal: 130 for SIGINT, 143 for SIGTERM.
      process.exit(128 + constants.signals[sig]);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let r: Awaited<ReturnType<typeof classroomUp>>;
  try {
    r = await classroomUp({
      docker,
      repoRoot: root,
      students: opts.students,
      say,
      keepOnFailure: opts.keepOnFailure,
      build: opts.build,
      cleanup,
    });
  } catch (err) {
    // Interrupted: the signal handler says so and exits 130 (SIGINT) or 143 (SIGTERM) once the removal is done; no second error line.
    if (interrupted) return new Promise<never>(() => undefined);
    throw err;
  }
  if (r.already)
    say(`the simulated classroom is already up (${r.output.students.length} students): printing it again; "down" first for a fresh one`);
  process.stdout.write(JSON.stringify(r.output) + '\n');
  return 0;
});
