#!/usr/bin/env node
// npm run bench [-- --quick] [-- --out FILE] — failover and footprint of the lab, measured on its own copy of the
// lab (air-gapped images, project consul-lab-bench, its own ports and subnet), with our settings and with the
// original workshop's settings as baseline, in one run. docs/benchmark.md explains every figure.
// The work: scripts/lib/bench/runBench.ts.
import { Option } from 'commander';
import { argParser, createProgram, runCli } from '../services/shared/cli';
import { parseDurationMs } from '../services/shared/duration';
import { repoRoot } from './lib/docker/compose';
import { liveBenchDeps, runBench, trialsArg, type BenchOptions } from './lib/bench/runBench';
import { DEFAULT_WHERE, FULL_PLAN, QUICK_PLAN, parseBenchPort, parseBenchProject, parseSubnetPrefix } from './lib/bench/settings';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';

const NAME = 'bench';

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = createProgram(
    NAME,
    "Measure the lab's failover and footprint, beside the original workshop's settings (docs/benchmark.md)",
  )
    .option(
      '--quick',
      `smoke run: ${QUICK_PLAN.trials} trials per figure, ${QUICK_PLAN.trafficMs / 60_000} min of client traffic per window (full: ${FULL_PLAN.trials}, ${FULL_PLAN.trafficMs / 60_000} min)`,
    )
    .option('--out <file>', 'also write the results as JSON')
    .addOption(
      new Option('-p, --project <name>', 'Compose project of the bench lab (taken down with -v at the end)')
        .argParser(argParser(parseBenchProject))
        .default(DEFAULT_WHERE.project),
    )
    .addOption(
      new Option('--consul-http-port <port>', 'host port of its Consul HTTP API')
        .argParser(argParser(parseBenchPort))
        .default(DEFAULT_WHERE.consulHttpPort),
    )
    .addOption(
      new Option('--consul-dns-port <port>', 'host port of its Consul DNS')
        .argParser(argParser(parseBenchPort))
        .default(DEFAULT_WHERE.consulDnsPort),
    )
    .addOption(
      new Option('--nginx-port <port>', 'host port of its Nginx').argParser(argParser(parseBenchPort)).default(DEFAULT_WHERE.nginxPort),
    )
    .addOption(
      new Option('--lab-view-port <port>', 'host port of its lab view')
        .argParser(argParser(parseBenchPort))
        .default(DEFAULT_WHERE.labViewPort),
    )
    .addOption(
      new Option('--subnet-prefix <a.b.c>', 'its lab network, a /24')
        .argParser(argParser(parseSubnetPrefix))
        .default(DEFAULT_WHERE.subnetPrefix),
    )
    .addOption(new Option('--trials <n>', 'trials per figure (overrides --quick/full)').argParser(argParser(trialsArg)))
    .addOption(
      new Option('--traffic <duration>', 'demo client traffic per window, e.g. 2m (overrides --quick/full)').argParser(
        argParser((v) => parseDurationMs(v, '--traffic')),
      ),
    );
  program.parse();
  const code = await runBench(program.opts<BenchOptions>(), program.args, liveBenchDeps(repoRoot()));
  // Background timers of an aborted phase must not keep the process alive.
  setImmediate(() => process.exit(process.exitCode ?? 0));
  return code;
});
