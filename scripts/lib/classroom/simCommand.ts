// npm run classroom:sim's work (scripts/classroom-sim.ts parses the flags): `down` removes the simulated classroom;
// `up` builds it (sim/classroom.ts) and prints its JSON last, removing what it started on failure or on Ctrl-C /
// SIGTERM (then it exits with the shell's code for that signal). Docker, the sim and the process come in as SimDeps.
import { constants } from 'node:os';
import type Docker from 'dockerode';
import { connectDocker } from '../docker/engine';
import { liveCommandIo, type CommandIo } from '../lab/commandIo';
import { Progress } from '../term/progress';
import { classroomAdd, classroomDown, classroomUp, UpCleanup, type AddOptions, type UpOptions, type UpResult } from './sim/classroom';
import { DEFAULT_FULL_STUDENTS } from './sim/layout';
import { simDir, type SimOutput } from './sim/simState';

export type SimAction = 'up' | 'add' | 'down';

export interface SimOptions {
  students: number;
  /** How many students get a machine of their own: up's first ones (default 2), add's first new ones (default 0). */
  full?: number;
  build: boolean;
  keepOnFailure?: boolean;
}

export interface SimDeps extends CommandIo {
  root: string;
  connectDocker(): Promise<Docker>;
  down(docker: Docker, root: string, say: (line: string) => void): Promise<number>;
  up(opts: UpOptions): Promise<UpResult>;
  add(opts: AddOptions): Promise<SimOutput>;
  /** What removes an `up`'s machines, shared by its failure path and the signal handler. */
  newCleanup(docker: Docker, dir: string, say: (line: string) => void): UpCleanup;
  /** Calls `handler` on SIGINT and SIGTERM. */
  onSignal(handler: (sig: NodeJS.Signals) => void): void;
  exit(code: number): void;
  err(text: string): void;
}

/** Progress goes to stderr: stdout is the JSON alone. */
export function liveSimDeps(root: string): SimDeps {
  return {
    ...liveCommandIo(),
    newProgress: () => new Progress((line) => process.stderr.write(line + '\n')),
    root,
    connectDocker,
    down: classroomDown,
    up: classroomUp,
    add: classroomAdd,
    newCleanup: (docker, dir, say) => new UpCleanup(docker, dir, say),
    onSignal: (handler) => {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
    },
    exit: (code) => process.exit(code),
    err: (text) => process.stderr.write(text),
  };
}

/** classroom:sim up|add|down: 0, or it throws one line; an interrupted `up` never settles (the handler exits). */
export async function classroomSim(name: string, action: SimAction, opts: SimOptions, deps: SimDeps): Promise<number> {
  const progress = deps.newProgress();
  const say = (line: string): void => progress.line(line);
  const root = deps.root;
  const docker = await deps.connectDocker();

  if (action === 'down') {
    const removed = await deps.down(docker, root, say);
    deps.err(removed ? `${name}: down (${(progress.elapsedMs() / 1000).toFixed(1)} s)\n` : `${name}: nothing to remove\n`);
    return 0;
  }

  if (action === 'add') {
    // No clean-up on failure or Ctrl-C: the room was there before and stays (the students who made it are recorded).
    const output = await deps.add({ docker, repoRoot: root, students: opts.students, full: opts.full ?? 0, say });
    deps.out(JSON.stringify(output) + '\n');
    return 0;
  }

  // Ctrl-C (or a test's SIGTERM) during up: remove what it started rather than leave machines half-made. The
  // failure path of up (its docker execs break when the machines go) waits on the same removal.
  const cleanup = deps.newCleanup(docker, simDir(root), say);
  let interrupted = false;
  deps.onSignal((sig) => {
    if (interrupted) return;
    interrupted = true;
    say(`${sig}: removing what this up started`);
    void cleanup.run().finally(() => {
      deps.err(`${name}: interrupted (${sig}); removed what this up had started\n`);
      // The shell's code for death by that signal: 130 for SIGINT, 143 for SIGTERM.
      deps.exit(128 + constants.signals[sig]);
    });
  });

  let r: UpResult;
  try {
    r = await deps.up({
      docker,
      repoRoot: root,
      students: opts.students,
      full: opts.full ?? DEFAULT_FULL_STUDENTS,
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
  deps.out(JSON.stringify(r.output) + '\n');
  return 0;
}
