#!/usr/bin/env node
// npm run lab:roster — the instructor's view of the room: one line per student (joined, agent alive,
// API passing, on the page), read from the instructor's host-a agent with the management token (the token list
// needs acl:read; the agent's anonymous token only reads nodes, services and the raft state): CONSUL_HTTP_TOKEN when set, else
// the classroom dir's management.token when it exists. A report: exit 0 whenever Consul answered, 1 with one line
// when it did not (or when the lab is not in classroom mode, where there is no roster to show).
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import { errorMessage } from '../services/shared/errors';
import { redactSecrets } from '../services/shared/secrets';
import { sleep } from '../services/shared/async';
import { httpConsulGet, httpReadPage, readRoster, renderRoster, Roster, rosterJson } from './lib/classroom/roster';
import { instructorConsulToken } from './lib/classroom/secrets';
import { repoRoot } from './lib/docker/compose';
import { openLab } from './lib/lab/openLab';
import { addProjectOption } from './lib/lab/options';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';
import { terminalSafeJson } from './lib/term/terminalText';

const NAME = 'lab:roster';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(
    createProgram(
      NAME,
      "Show the classroom: one line per student (joined, agent alive, API passing, on the page), from the instructor's Consul",
    ),
  )
    .option('--json', 'print one JSON object instead of lines')
    .option('-w, --watch', 'print the roster again every --interval until Ctrl-C')
    .addOption(
      durationOption('--interval <duration>', 'how often --watch reads the roster', 2000, { range: { minMs: 500, maxMs: 60_000 } }),
    );
  program.parse();
  const opts = program.opts<{ project?: string; json?: boolean; watch?: boolean; interval: number }>();

  const lab = await openLab(opts.project);
  // The roster reads with fetch, not the lab's Consul client: the client keeps sockets open until closed.
  lab.close();
  const { consulUrl, nginxUrl } = lab.endpoints;
  const token = instructorConsulToken(repoRoot());
  const read = (): Promise<Roster> => readRoster(consulUrl, nginxUrl, httpConsulGet(consulUrl, token), httpReadPage(nginxUrl));
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
      text = `${NAME}: ${redactSecrets(errorMessage(err))}`;
    }
    // On a terminal, redraw in place (cursor home, clear screen); in a pipe, one report after the other.
    process.stdout.write((tty ? '\u001b[H\u001b[2J' : '') + (opts.json ? text : `${new Date().toISOString()}\n${text}`) + '\n');
    await sleep(opts.interval);
  }
});
