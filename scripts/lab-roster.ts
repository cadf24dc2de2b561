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
// The work: scripts/lib/classroom/rosterCommand.ts.
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import { labRoster, liveRosterDeps, type RosterOptions } from './lib/classroom/rosterCommand';
import { repoRoot } from './lib/docker/compose';
import { addProjectOption } from './lib/lab/options';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';

const NAME = 'lab:roster';

exitQuietlyOnClosedStdout();

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
  return labRoster(NAME, program.opts<RosterOptions>(), liveRosterDeps(repoRoot()));
});
