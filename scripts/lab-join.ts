#!/usr/bin/env node
// npm run lab:join -- <join.json | instructor address> --name <github account> [--code C --pin P]
//                     [--ask-github-token] [--offline] [--advertise ADDR] [--github-api URL]
// A student's machine joins the instructor's classroom (issue 12, item 3): enrols the name with the instructor's
// enrollment service (which hands out this student's OWN Consul token), starts classroom/student.compose.yml
// (a host whose agent joins the instructor's cluster, and the student's workshop-api), and waits with progress:
// agent joined → API passing in Consul → avatar on the instructor's page, printing the time it took.
// Exit 0 on the page; 1 with one line saying what to do (name taken, wrong code, instructor unreachable with
// the ports to open, gossip key or token rejected); 2 for bad input.
// Secrets (join code, gossip key, the Consul token, the GitHub token) never reach a log line or a child's argv:
// Compose gets them in its environment only; they are kept in LAB_STUDENT_DIR (0700) in 0600 files. The GitHub token
// comes from LAB_GITHUB_TOKEN or a prompt (--ask-github-token), never the command line (shell history, ps).
// Trust (issue 18): with the instructor's address, --pin (the classroom CA's pin the instructor projects) is checked
// against the certificate chain the enrollment service shows BEFORE the code is sent; from then on lab:join trusts
// that CA alone (https to the enrollment service; the student's agent verifies the servers with it).
// The work: scripts/lib/classroom/joinCommand.ts.
import { Option } from 'commander';
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import { DEFAULT_GITHUB_API } from '../services/workshop-api/names';
import { repoRoot } from './lib/docker/compose';
import { OFFLINE_ENV_FILE } from './lib/docker/envFile';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';
import { BackgroundCompose, labJoin, liveJoinDeps, type JoinOptions } from './lib/classroom/joinCommand';

const NAME = 'lab:join';

exitQuietlyOnClosedStdout();

/** `docker compose up`, started in the background once the student is enrolled. */
const compose = new BackgroundCompose();

void runCli(NAME, async () => {
  const program = createProgram(
    NAME,
    "Join the instructor's classroom: your agent joins their cluster, your workshop-api shows your avatar on their page",
  )
    .argument('<join>', "the join.json the instructor shared, or the instructor's address (then --code)")
    .requiredOption(
      '-n, --name <github-account>',
      'your GitHub account: your avatar, your Consul node student-<name>, your service workshop-<name>',
    )
    .option('--code <code>', "the join code the instructor shows (needed with the instructor's address)")
    .option('--pin <pin>', "the classroom CA's pin the instructor shows (needed with the instructor's address): 16 hex digits")
    .option(
      '--ask-github-token',
      'ask for a GitHub token for the avatar lookup (optional; lifts the 60 lookups/hour limit), or set LAB_GITHUB_TOKEN. Kept in a 0600 file',
    )
    // Refused with a reason (a token on the command line lands in the shell's history and in ps): hidden from --help.
    .addOption(new Option('--github-token <token>').hideHelp())
    .option('--github-api <url>', `GitHub API base URL (GitHub Enterprise: https://host/api/v3; default ${DEFAULT_GITHUB_API})`)
    .option('--offline', `run on the air-gapped images (${OFFLINE_ENV_FILE}, built by npm run lab:images)`)
    .option(
      '--advertise <address>',
      "this machine's LAN address as the instructor reaches it (default: the address of the route to the instructor)",
    )
    .addOption(
      new Option(
        '--check-scope <scope>',
        "where your API's health check lives: service (right) or node (the room's exercise (c): stop your API and watch your whole node go critical)",
      )
        .choices(['service', 'node'])
        .default('service'),
    )
    .addOption(durationOption('-t, --timeout <duration>', 'give up waiting for the page after this long', 300_000));
  program.parse();
  const [targetArg] = program.args as [string];
  return labJoin(targetArg, program.opts<JoinOptions>(), liveJoinDeps(repoRoot(), compose));
}).then(() => {
  // Compose's `up` waits for the agent's healthcheck (up to its start period) even when lab:join already knows why it
  // cannot pass (a rejected gossip key): exit now, once the error line is out. What Compose started stays for
  // `docker compose logs`; lab:leave removes it.
  if (compose.running) process.stderr.write('', () => process.exit());
});
