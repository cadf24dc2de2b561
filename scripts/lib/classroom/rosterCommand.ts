// npm run lab:roster's work (scripts/lab-roster.ts parses the flags): the room read from the instructor's Consul and
// page, printed once, as JSON, or again and again (--watch); or one name freed (--free). The reads and the clock come
// in as RosterDeps (rosterCommand.test.ts); what they read and how it is rendered is roster.ts's and freeStudent.ts's.
import { errorMessage, UsageError } from '../../../services/shared/errors';
import { redactSecrets, registerSecret } from '../../../services/shared/secrets';
import { terminalSafeJson, terminalSafeText } from '../../../services/shared/terminalText';
import { liveCommandIo, type CommandIo } from '../lab/commandIo';
import { openLab, type Lab } from '../lab/openLab';
import { freeStudent, httpConsulCall, parseFreeName } from './freeStudent';
import { httpConsulGet, httpReadPage, readRoster, renderRoster, rosterJson, type Roster } from './roster';
import { classroomDir, instructorConsulToken, readSecrets } from './secrets';

export interface RosterOptions {
  project?: string;
  json?: boolean;
  watch?: boolean;
  interval: number;
  free?: string;
}

export interface RosterDeps extends CommandIo {
  root: string;
  env: NodeJS.ProcessEnv;
  openLab(project: string | undefined): Promise<Lab>;
  /** Frees a student's name through Consul with `token`; `say` gets each step. */
  free(consulUrl: string, name: string, token: string | undefined, say: (line: string) => void): Promise<{ summary: string }>;
  read(consulUrl: string, nginxUrl: string, token: string | undefined, classGossipKey: string | undefined): Promise<Roster>;
  /** Whether stdout is a terminal (--watch redraws in place there). */
  isTTY: boolean;
}

export function liveRosterDeps(root: string): RosterDeps {
  return {
    ...liveCommandIo(),
    root,
    env: process.env,
    openLab,
    free: (consulUrl, name, token, say) => freeStudent(consulUrl, name, httpConsulCall(consulUrl, token), say),
    read: (consulUrl, nginxUrl, token, classGossipKey) =>
      readRoster(consulUrl, nginxUrl, httpConsulGet(consulUrl, token), httpReadPage(nginxUrl), { classGossipKey }),
    isTTY: process.stdout.isTTY === true,
  };
}

/**
 * The class's gossip key, to tell whether the keyring's primary is still it; undefined when this machine has no class
 * (or an unreadable one): then only the number of keys is checked. Registered as a secret: never printed.
 */
export function classGossipKey(root: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const key = readSecrets(classroomDir(root, env))?.gossipKey;
    registerSecret(key);
    return key;
  } catch {
    return undefined;
  }
}

/** lab:roster: 0 whenever Consul answered (--watch: runs until interrupted), or it throws one line. */
export async function labRoster(name: string, opts: RosterOptions, deps: RosterDeps): Promise<number> {
  // Bad input first (exit 2), before anything talks to Docker or Consul.
  const freeName = opts.free === undefined ? undefined : parseFreeName(opts.free);
  if (freeName !== undefined && (opts.watch || opts.json)) throw new UsageError('--free does one thing: leave out --watch and --json');

  const lab = await deps.openLab(opts.project);
  // The roster reads with fetch, not the lab's Consul client: the client keeps sockets open until closed.
  lab.close();
  const { consulUrl, nginxUrl } = lab.endpoints;
  const token = instructorConsulToken(deps.root, deps.env);

  if (freeName !== undefined) {
    const result = await deps.free(consulUrl, freeName, token, (line) => deps.out(line + '\n'));
    deps.out(result.summary + '\n');
    return 0;
  }

  const gossipKey = classGossipKey(deps.root, deps.env);
  const show = (r: Roster): string => (opts.json ? terminalSafeJson(rosterJson(r)) : renderRoster(r));
  const read = (): Promise<Roster> => deps.read(consulUrl, nginxUrl, token, gossipKey);

  if (!opts.watch) {
    deps.out(show(await read()) + '\n');
    return 0;
  }
  // --watch: a failed read is one line in the stream, and the next read may succeed (the lab restarting).
  const tty = deps.isTTY && !opts.json;
  for (;;) {
    let text: string;
    try {
      text = show(await read());
    } catch (err) {
      text = `${name}: ${terminalSafeText(redactSecrets(errorMessage(err)), 500)}`;
    }
    // On a terminal, redraw in place (cursor home, clear screen); in a pipe, one report after the other.
    deps.out((tty ? '\u001b[H\u001b[2J' : '') + (opts.json ? text : `${new Date(deps.now()).toISOString()}\n${text}`) + '\n');
    await deps.sleep(opts.interval);
  }
}
