#!/usr/bin/env node
// npm run bench [-- --quick] [-- --out FILE] — failover and footprint of the lab, measured on its own copy of the
// lab (air-gapped images, project consul-lab-bench, its own ports and subnet), with our settings and with the
// original workshop's settings as baseline, in one run. docs/benchmark.md explains every figure.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { Option } from 'commander';
import { argParser, createProgram, runCli } from '../services/shared/cli';
import { parseDurationMs } from '../services/shared/duration';
import { UsageError } from '../services/shared/errors';
import { repoRoot } from './lib/docker/compose';
import { connectDocker } from './lib/docker/engine';
import { Progress } from './lib/term/progress';
import { BenchLab } from './lib/bench/benchLab';
import { benchJson, roundFigures, shapeProblems } from './lib/bench/figures';
import { ensureOfflineImages } from './lib/images/ensureOfflineImages';
import { PhaseResult, runPhase } from './lib/bench/phase';
import { missedTargets, renderBenchTable, renderBreakdownTable } from './lib/bench/report';
import {
  BASELINE,
  BenchPlan,
  BenchWhere,
  DEFAULT_WHERE,
  FULL_PLAN,
  OURS,
  QUICK_PLAN,
  parseBenchPort,
  parseBenchProject,
  parseSubnetPrefix,
} from './lib/bench/settings';
import { teardownOnce } from './lib/bench/teardown';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';

const NAME = 'bench';

exitQuietlyOnClosedStdout();

function trialsArg(v: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) < 1 || Number(v) > 100) throw new UsageError(`expected a whole number 1-100, got "${v}"`);
  return Number(v);
}

function phaseDetails(p: PhaseResult): Record<string, unknown> {
  return {
    settings: p.settings.env,
    upTrials: p.upTrials.map((t) => ({ healthyMs: Math.round(t.healthyMs), servingMs: Math.round(t.servingMs) })),
    stopTrials: p.stopTrials.map((t) => ({
      kind: t.kind,
      target: t.target,
      outOfConsulMs: t.outOfConsulMs,
      outOfUpstreamMs: t.outOfUpstreamMs,
      outOfPageMs: t.outOfPageMs,
      stoppedMs: t.stoppedMs,
      backInNginxMs: t.backInNginxMs,
      stagesMs: t.stages,
      stamps: t.stamps,
    })),
    reloadBursts: p.reloadBursts,
    api: p.api,
    clientWindows: p.clientWindows.map((w) => ({ ...w, from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString() })),
    memoryMiB: Object.fromEntries(p.memory.containers.map((c) => [c.name, Math.round(c.mib * 10) / 10])),
  };
}

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
  const o = program.opts<{
    quick?: boolean;
    out?: string;
    project: string;
    consulHttpPort: number;
    consulDnsPort: number;
    nginxPort: number;
    labViewPort: number;
    subnetPrefix: string;
    trials?: number;
    traffic?: number;
  }>();
  if (program.args.length) throw new UsageError(`unexpected argument "${program.args[0]}"`);
  const base = o.quick ? QUICK_PLAN : FULL_PLAN;
  const plan: BenchPlan = { ...base, trials: o.trials ?? base.trials, trafficMs: o.traffic && o.traffic > 0 ? o.traffic : base.trafficMs };
  const where: BenchWhere = {
    project: o.project,
    consulHttpPort: o.consulHttpPort,
    consulDnsPort: o.consulDnsPort,
    nginxPort: o.nginxPort,
    labViewPort: o.labViewPort,
    subnetPrefix: o.subnetPrefix,
  };
  if (new Set([where.consulHttpPort, where.consulDnsPort, where.nginxPort, where.labViewPort]).size < 4)
    throw new UsageError('--consul-http-port, --consul-dns-port, --nginx-port and --lab-view-port must differ');

  const progress = new Progress((l) => process.stderr.write(`bench ${l.trimStart()}\n`));
  const started = new Date();
  const root = repoRoot();
  const docker = await connectDocker();
  progress.line(
    `${o.quick ? 'quick' : 'full'} run: ${plan.trials} trials per figure, ${plan.trafficMs / 1000} s of client traffic per window; project ${where.project}, ports ${where.consulHttpPort}/${where.consulDnsPort}/${where.nginxPort}, subnet ${where.subnetPrefix}.0/24`,
  );
  await ensureOfflineImages(docker, root, (m) => progress.line(m));

  const lab = new BenchLab(docker, where);
  const down = `docker compose -p ${where.project} down -v`;
  const teardown = teardownOnce(
    async () => {
      progress.line(`taking the bench lab down (${down})`);
      await lab.down(OURS, 5);
    },
    (l) => progress.line(l),
    down,
  );
  try {
    const ours = await runPhase(lab, OURS, plan, progress);
    const consul = await lab.consul.version().catch(() => 'unknown');
    const baseline = await runPhase(lab, BASELINE, plan, progress);
    const oursF = roundFigures(ours.figures);
    const baseF = roundFigures(baseline.figures);
    const dockerVersion = await docker.version().then(
      (v) => v.Version,
      () => 'unknown',
    );
    const warnings = [...ours.warnings, ...baseline.warnings];
    const meta = {
      mode: o.quick ? 'quick' : 'full',
      trials: plan.trials,
      clientTrafficSecondsPerWindow: plan.trafficMs / 1000,
      apiRequestsPerSecond: plan.apiRate,
      started: started.toISOString(),
      wallSeconds: Math.round((Date.now() - started.getTime()) / 1000),
      machine: { cpus: os.cpus().length, os: `${os.type()} ${os.release()}`, docker: dockerVersion, consul, node: process.version },
      project: where.project,
      percentiles: 'nearest rank over the trials (p95 of 10 trials = the worst one)',
      errors: '"5xx" figures count /api/ answers >= 500 plus requests Nginx did not answer at all (refused, reset, timeout)',
      rates: 'fractions 0..1 of the demo client requests in the window',
      failoverBreakdown:
        "p50 ms per stage over the trials (docs/benchmark.md); from the agents' and the nginx container's logs, apply-render.sh's timing and a blocking query on host-a's agent",
      oursOnly: 'oneServerMakeBeforeBreak* are measured with our settings only: null under baseline',
      memory: ours.memory.method,
      ours: OURS.summary,
      baseline: BASELINE.summary,
      warnings,
    };
    const json = benchJson(oursF, baseF, { ours: phaseDetails(ours), baseline: phaseDetails(baseline) }, meta, {
      ours: ours.breakdown,
      baseline: baseline.breakdown,
    });
    const problems = shapeProblems(json);
    if (problems.length) throw new Error(`result is incomplete: ${problems.join('; ')}`);
    if (o.out) {
      writeFileSync(o.out, JSON.stringify(json, null, 2) + '\n');
      progress.line(`wrote ${o.out}`);
    }
    process.stdout.write(
      `\nFailover and footprint (${meta.mode} run: ${plan.trials} trials per figure, ${plan.trafficMs / 1000} s of client traffic per window)\n`,
    );
    process.stdout.write(`ours: ${OURS.summary}; baseline: ${BASELINE.summary}\n\n`);
    process.stdout.write(renderBenchTable(oursF, baseF) + '\n');
    process.stdout.write(`\nWhere the failover time goes (p50 per stage)\n${renderBreakdownTable(ours.breakdown, baseline.breakdown)}\n`);
    const missed = missedTargets(oursF);
    process.stdout.write(missed.length ? `\nTargets missed:\n${missed.map((m) => `  - ${m}`).join('\n')}\n` : '\nEvery target met.\n');
    if (warnings.length) process.stdout.write(`\nWarnings:\n${warnings.map((w) => `  - ${w}`).join('\n')}\n`);
  } finally {
    await teardown.run().catch((err: Error) => progress.line(`teardown failed: ${err.message}; remove what is left with: ${down}`));
    teardown.dispose();
    lab.close();
    progress.line(`done in ${Math.round((Date.now() - started.getTime()) / 1000)} s`);
  }
  // Background timers of an aborted phase must not keep the process alive.
  setImmediate(() => process.exit(process.exitCode ?? 0));
  return 0;
});
