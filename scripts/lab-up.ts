#!/usr/bin/env node
// npm run lab:up [-- --offline] — `docker compose up -d`, then wait with progress until every
// container is running and healthy, and print the URLs and what to do next.
// Images: with a registry, the pinned ones from .env (pulled with progress when missing). When they cannot
// be pulled and this machine can build the air-gapped ones, it says so in one line, builds them (cached:
// seconds after the first time) and starts the lab on them; otherwise one line saying what to do.
// --offline: the air-gapped images (.env.offline), built or refreshed first, without trying a registry.
// --check-scope node: workshop-api registers its check at node level (the original workshop's mistake, for the
// "a host fails" exercise); running lab:up again without it puts the instances back to service-level checks.
// --restart-mode make-before-break: the demo server's next incarnation is passing before the old one leaves
// (exercise 1, closing the restart gap without a second server); lab:up alone goes back to break-before-make.
// --registrator: exercise 6's registrator (the one container with the Docker socket) and api-b3, the instance it
// registers (Compose profile "registrator"); lab:up alone stops them again. Never with --classroom.
// --datacenters 2: exercise 8's second datacenter (Compose profile "dc2"); lab:up alone stops it again.
// --no-build: the air-gapped images already in this engine (.env.offline), never built or pulled; one line naming a
// missing one (the simulated classroom's machines get their images by docker load).
// --classroom [--lan-address IP] [--room-subnet CIDR] [--resume]: the lab becomes the room's cluster
// (classroom/instructor.compose.yml says what changes). A new class each time: new secrets and a new classroom CA in
// the classroom dir (LAB_CLASSROOM_DIR, default .classroom/), an earlier class's Consul data cleared; --resume keeps
// the class (secrets, CA, data). Passed to Compose in its process env; the ACL objects (the preset tokens, the
// students' auth method) as soon as server-1 has a leader (during the wait: the agents and readers need them to turn
// healthy); once healthy, join.json, and the one command students run, with the CA's pin.
// The work: scripts/lib/lab/labUp.ts.
import { Option } from 'commander';
import { argParser, createProgram, durationOption, runCli } from '../services/shared/cli';
import { BREAK_BEFORE_MAKE, RESTART_MODES } from '../services/shared/names';
import { repoRoot } from './lib/docker/compose';
import { OFFLINE_ENV_FILE } from './lib/docker/envFile';
import { datacentersArg, labUp, liveUpDeps, type UpOptions } from './lib/lab/labUp';
import { addProjectOption } from './lib/lab/options';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';

const NAME = 'lab:up';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(createProgram(NAME, 'Start the lab (docker compose up -d) and wait until every container is healthy'))
    .option(
      '--offline',
      `use the locally built air-gapped images (${OFFLINE_ENV_FILE}), building them first if needed (= npm run lab:images)`,
    )
    .addOption(
      new Option(
        '--check-scope <scope>',
        "where workshop-api attaches its health check: service (right) or node (the original workshop's mistake: one failing instance fails its whole host)",
      )
        .choices(['service', 'node'])
        .default('service'),
    )
    .addOption(
      new Option(
        '--restart-mode <mode>',
        'how the demo server restarts: break-before-make (the gap is the lesson) or make-before-break (the next incarnation is passing before the old one leaves)',
      )
        .choices(RESTART_MODES)
        .default(BREAK_BEFORE_MAKE),
    )
    .option(
      '--registrator',
      "exercise 6: also start the registrator (it reads host-b's containers through the Docker socket) and api-b3, which it registers",
    )
    .addOption(
      new Option(
        '--datacenters <n>',
        'exercise 8: 2 adds a second datacenter, dc2 (one server, host-c with two workshop instances), joined over the WAN',
      ).argParser(argParser(datacentersArg)),
    )
    .option('--no-build', `use the air-gapped images already in this engine (${OFFLINE_ENV_FILE}); never build or pull them`)
    .option(
      '--classroom',
      "run the lab as the room's cluster: gossip encryption, ACLs, published on the LAN address, enrollment for students",
    )
    .option('--lan-address <ip>', "with --classroom: this machine's LAN address to publish on and advertise (default: the default route's)")
    .option('--room-subnet <cidr>', "with --classroom: the room's subnet, where students' instances may be (default: the LAN interface's)")
    .option('--resume', 'with --classroom: keep the class (its secrets, CA, students and Consul data) instead of starting a new one')
    .addOption(durationOption('-t, --timeout <duration>', 'give up waiting for healthy after this long', 180_000));
  program.parse();
  return labUp(program.opts<UpOptions>(), liveUpDeps(repoRoot()));
});
