#!/usr/bin/env node
// npm run lab:status — what the running lab looks like right now: Consul members, service health,
// the demo client's success rate and the instances on the Nginx page. Every name in it comes from Consul (in
// classroom mode, from whoever joined): printed escaped, in the tables and in --json alike.
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import { openLab } from './lib/lab/openLab';
import { addProjectOption } from './lib/lab/options';
import { gatherStatus, renderStatus } from './lib/lab/statusReport';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';
import { terminalSafeJson } from '../services/shared/terminalText';

const NAME = 'lab:status';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(
    createProgram(NAME, 'Show the running lab: Consul members and leader, service health, demo client success rate, Nginx page'),
  )
    .addOption(durationOption('-w, --window <duration>', "how far back to read the demo client's requests", 60_000))
    .option('--json', 'print one JSON object instead of tables');
  program.parse();
  const opts = program.opts<{ project?: string; window: number; json?: boolean }>();

  const lab = await openLab(opts.project);
  try {
    const report = await gatherStatus(lab, opts.window);
    process.stdout.write((opts.json ? terminalSafeJson(report) : renderStatus(report)) + '\n');
    // Consul unreachable is worth a non-zero exit: everything else in the lab depends on it.
    return report.members.ok ? 0 : 1;
  } finally {
    lab.close();
  }
});
