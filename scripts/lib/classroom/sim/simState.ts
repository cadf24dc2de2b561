// What `classroom:sim up` hands to its caller (the last stdout line, JSON) and keeps in its state dir so a
// second `up` can say "already up" and print it again. No secret is in it: the management token is in its
// own 0600 file, named by managementTokenFile.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ensurePrivateDir, writePrivateFile } from '../privateFile';

export const SimStudentSchema = z.object({
  /** 1-based; the LAN address is .100 + index. */
  index: z.number().int(),
  name: z.string(),
  /** full: a machine (an engine) of its own; light: one of the room machine's students (README says what that gives up). */
  fidelity: z.enum(['full', 'light']),
  machine: z.string(),
  address: z.string(),
  /** Seconds from starting lab:join on the student's machine to its exit 0 (= its avatar is on the page). */
  joinSeconds: z.number(),
  /** Where those seconds went: lab:join's last line read back (joinBreakdown.ts); absent when it printed none. */
  joinBreakdown: z
    .object({
      phases: z.array(z.object({ phase: z.string(), label: z.string(), ms: z.number() })),
      totalMs: z.number(),
    })
    .optional(),
});

export const SimOutputSchema = z.object({
  /** The room's view of the instructor's Consul HTTP API (anonymous = read-only), via 127.0.0.1. */
  consulHttp: z.string(),
  /** The instructor's shared page (Nginx), via 127.0.0.1. */
  nginx: z.string(),
  /** The instructor's lab view, as reached from this machine on 127.0.0.1. */
  labView: z.string(),
  managementTokenFile: z.string(),
  lan: z.object({ network: z.string(), subnet: z.string(), instructor: z.string(), github: z.string() }),
  /** How many students have a machine of their own (the first ones); the rest share the room machine. */
  fullStudents: z.number().int(),
  students: z.array(SimStudentSchema),
});

export type SimOutput = z.infer<typeof SimOutputSchema>;
export type SimStudent = z.infer<typeof SimStudentSchema>;

/** LAB_CLASSROOM_SIM_DIR, default <repo>/.classroom-sim (git-ignored). */
export function simDir(repoRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.LAB_CLASSROOM_SIM_DIR || path.join(repoRoot, '.classroom-sim'));
}

export const STATE_FILE = 'sim.json';
export const TOKEN_FILE = 'management.token';

/** The state dir, 0700 (it holds the management token). */
export const ensureSimDir = ensurePrivateDir;

/** A secret into a 0600 file (0600 from its first moment, replaced whole). */
export const writeSecretFile = writePrivateFile;

export function writeState(dir: string, out: SimOutput): void {
  writePrivateFile(path.join(dir, STATE_FILE), JSON.stringify(out, null, 2) + '\n');
}

/** The last successful up's output, or undefined (missing or unreadable: treated as "not up"). */
export function readState(dir: string): SimOutput | undefined {
  const file = path.join(dir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return SimOutputSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}

export function removeSimDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
