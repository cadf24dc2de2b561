#!/usr/bin/env node
// npm run lab:roster — the instructor's view of the room: one line per student (joined, agent alive,
// API passing, on the page, when the token expires), then a ⚠ line for each member that should not be there (no token
// of its own, a server that is not the lab's) and for a changed gossip keyring. Read from the instructor's host-a
// agent with the management token (the token list needs acl:read, the keyring keyring:read; the agent's anonymous
// token only reads nodes, services and the raft state): CONSUL_HTTP_TOKEN when set, else the classroom dir's
// management.token when it exists. A report: exit 0 whenever Consul answered, 1 with one line when it did not (or when
// the lab is not in classroom mode, where there is no roster to show).
// `--free <name>`: the instructor frees a name (its tokens deleted, its node forced out and deregistered): exit 0 when
// done, 1 with one line on a Consul error, 2 for a name that is not a student's.
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import { errorMessage, UsageError } from '../services/shared/errors';
import { redactSecrets, registerSecret } from '../services/shared/secrets';
import { sleep } from '../services/shared/async';
import { freeStudent, httpConsulCall, parseFreeName } from './lib/classroom/freeStudent';
import { httpConsulGet, httpReadPage, readRoster, renderRoster, Roster, rosterJson } from './lib/classroom/roster';
import { classroomDir, instructorConsulToken, readSecrets } from './lib/classroom/secrets';
import { repoRoot } from './lib/docker/compose';
import { openLab } from './lib/lab/openLab';
import { addProjectOption } from './lib/lab/options';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';
import { terminalSafeJson, terminalSafeText } from '../services/shared/terminalText';

const NAME = 'lab:roster';

exitQuietlyOnClosedStdout();

/**
 * The class's gossip key, to tell whether the keyring's primary is still it; undefined when this machine has no class
 * (or an unreadable one): then only the number of keys is checked. Registered as a secret: never printed.
 */
function classGossipKey(root: string): string | undefined {
  try {
    const key = readSecrets(classroomDir(root))?.gossipKey;
    registerSecret(key);
    return key;
  } catch {
    return undefined;
  }
}

void runCli(NAME, async () => {
  const program = addProjectOption(
    createProgram(
      NAME,
      "Show the classroom: one line per student (joined, agent alive, API passing, on the page), and who should not be there, from the instructor's Consul",
    ),
  )
    .option('--json', 'print one JSON object instead of lines')
    .option('-w, --watch', 'print the roster again every --interval until Ctrl-C')
    .addOption(
      durationOption('--interval <duration>', 'how often --watch reads the roster', 2000, { range: { minMs: 500, maxMs: 60_000 } }),
    )
    .option('--free <name>', "free a student's name: delete its tokens, force its node out of the cluster, deregister the node");
  program.parse();
  const opts = program.opts<{ project?: string; json?: boolean; watch?: boolean; interval: number; free?: string }>();
  // Bad input first (exit 2), before anything talks to Docker or Consul.
  const freeName = opts.free === undefined ? undefined : parseFreeName(opts.free);
  if (freeName !== undefined && (opts.watch || opts.json)) throw new UsageError('--free does one thing: leave out --watch and --json');

  const lab = await openLab(opts.project);
  // The roster reads with fetch, not the lab's Consul client: the client keeps sockets open until closed.
  lab.close();
  const { consulUrl, nginxUrl } = lab.endpoints;
  const root = repoRoot();
  const token = instructorConsulToken(root);

  if (freeName !== undefined) {
    const result = await freeStudent(consulUrl, freeName, httpConsulCall(consulUrl, token), (line) => process.stdout.write(line + '\n'));
    process.stdout.write(result.summary + '\n');
    return 0;
  }

  const gossipKey = classGossipKey(root);
  const read = (): Promise<Roster> =>
    readRoster(consulUrl, nginxUrl, httpConsulGet(consulUrl, token), httpReadPage(nginxUrl), { classGossipKey: gossipKey });
  const show = (r: Roster): string => (opts.json ? terminalSafeJson(rosterJson(r)) : renderRoster(r));

  if (!opts.watch) {
    process.stdout.write(show(await read()) + '\n');
    return 0;
  }
  // --watch: a failed read is one line in the stream, and the next read may succeed (the lab restarting).
  const tty = process.stdout.isTTY && !opts.json;
  for (;;) {
    let text: string;
    try {
      text = show(await read());
    } catch (err) {
      text = `${NAME}: ${terminalSafeText(redactSecrets(errorMessage(err)), 500)}`;
    }
    // On a terminal, redraw in place (cursor home, clear screen); in a pipe, one report after the other.
    process.stdout.write((tty ? '\u001b[H\u001b[2J' : '') + (opts.json ? text : `${new Date().toISOString()}\n${text}`) + '\n');
    await sleep(opts.interval);
  }
});
