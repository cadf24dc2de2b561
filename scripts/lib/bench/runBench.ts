// npm run bench's work (scripts/bench.ts parses the flags): the plan and where the bench lab lives from the flags,
// then both phases (ours, then the original workshop's settings), the JSON (--out) and the printed report, and the
// bench lab taken down whatever happens. Docker, the phases and the clock come in as BenchDeps (runBench.test.ts).
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import type Docker from 'dockerode';
import { UsageError } from '../../../services/shared/errors';
import { connectDocker } from '../docker/engine';
import { ensureOfflineImages } from '../images/ensureOfflineImages';
import { liveCommandIo, type CommandIo } from '../lab/commandIo';
import { Progress } from '../term/progress';
import { BenchLab } from './benchLab';
import { benchJson, roundFigures, shapeProblems, type FailoverBreakdown, type Figures } from './figures';
import { runPhase, type PhaseResult } from './phase';
import { missedTargets, renderBenchTable, renderBreakdownTable } from './report';
import { BASELINE, FULL_PLAN, OURS, QUICK_PLAN, type BenchPlan, type BenchWhere } from './settings';
import { teardownOnce } from './teardown';

/** bench's flags, as commander parsed them. */
export interface BenchOptions extends BenchWhere {
  quick?: boolean;
  out?: string;
  trials?: number;
  traffic?: number;
}

/** The world the bench talks to. */
export interface BenchDeps extends CommandIo {
  root: string;
  connectDocker(): Promise<Docker>;
  dockerVersion(docker: Docker): Promise<string>;
  ensureOfflineImages(docker: Docker, root: string, say: (line: string) => void): Promise<void>;
  openLab(docker: Docker, where: BenchWhere): BenchLab;
  runPhase(lab: BenchLab, settings: typeof OURS, plan: BenchPlan, progress: Progress): Promise<PhaseResult>;
  /** Runs the teardown once: at the end, on failure, or on Ctrl-C (teardown.ts). */
  teardownOnce: typeof teardownOnce;
  writeFile(file: string, text: string): void;
  machine(): { cpus: number; os: string; node: string };
}

/** The real world; progress goes to stderr ("bench ..."), the report to stdout. */
export function liveBenchDeps(root: string): BenchDeps {
  return {
    ...liveCommandIo(),
    newProgress: () => new Progress((l) => process.stderr.write(`bench ${l.trimStart()}\n`)),
    root,
    connectDocker,
    dockerVersion: (docker) => docker.version().then((v) => v.Version),
    ensureOfflineImages,
    openLab: (docker, where) => new BenchLab(docker, where),
    runPhase,
    teardownOnce,
    writeFile: (file, text) => writeFileSync(file, text),
    machine: () => ({ cpus: os.cpus().length, os: `${os.type()} ${os.release()}`, node: process.version }),
  };
}

/** --trials: a whole number 1-100. */
export function trialsArg(v: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) < 1 || Number(v) > 100) throw new UsageError(`expected a whole number 1-100, got "${v}"`);
  return Number(v);
}

/** The plan (--quick or full, --trials and --traffic over it) and where the bench lab lives; bad input is exit 2. */
export function benchSetup(o: BenchOptions, args: readonly string[]): { plan: BenchPlan; where: BenchWhere } {
  if (args.length) throw new UsageError(`unexpected argument "${args[0]}"`);
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
  return { plan, where };
}

/** One phase's raw measurements for the JSON's `details`. */
export function phaseDetails(p: PhaseResult): Record<string, unknown> {
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
    failoverTrials: p.failoverTrials.map((t) => ({
      last: t.last,
      failoverMs: t.failoverMs,
      failbackMs: t.failbackMs,
      dc2Targets: t.dc2Targets,
      dc1Targets: t.dc1Targets,
      startedAt: new Date(t.startedAt).toISOString(),
      endedAt: new Date(t.endedAt).toISOString(),
    })),
    api: p.api,
    clientWindows: p.clientWindows.map((w) => ({ ...w, from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString() })),
    memoryMiB: Object.fromEntries(p.memory.containers.map((c) => [c.name, Math.round(c.mib * 10) / 10])),
  };
}

/** The report on stdout: the heading, the figures beside the baseline, the breakdown, the targets, the warnings. */
export function benchReport(
  mode: string,
  plan: BenchPlan,
  figures: { ours: Figures; baseline: Figures },
  breakdown: { ours: FailoverBreakdown; baseline: FailoverBreakdown },
  warnings: readonly string[],
): string {
  const missed = missedTargets(figures.ours);
  return [
    `\nFailover and footprint (${mode} run: ${plan.trials} trials per figure, ${plan.trafficMs / 1000} s of client traffic per window)\n`,
    `ours: ${OURS.summary}; baseline: ${BASELINE.summary}\n\n`,
    renderBenchTable(figures.ours, figures.baseline) + '\n',
    `\nWhere the failover time goes (p50 per stage)\n${renderBreakdownTable(breakdown.ours, breakdown.baseline)}\n`,
    missed.length ? `\nTargets missed:\n${missed.map((m) => `  - ${m}`).join('\n')}\n` : '\nEvery target met.\n',
    warnings.length ? `\nWarnings:\n${warnings.map((w) => `  - ${w}`).join('\n')}\n` : '',
  ].join('');
}

/** The bench, from parsed flags to the report: 0, or it throws one line; the bench lab is taken down either way. */
export async function runBench(o: BenchOptions, args: readonly string[], deps: BenchDeps): Promise<number> {
  const { plan, where } = benchSetup(o, args);
  const progress = deps.newProgress();
  const started = new Date(deps.now());
  const root = deps.root;
  const docker = await deps.connectDocker();
  progress.line(
    `${o.quick ? 'quick' : 'full'} run: ${plan.trials} trials per figure, ${plan.trafficMs / 1000} s of client traffic per window; project ${where.project}, ports ${where.consulHttpPort}/${where.consulDnsPort}/${where.nginxPort}, subnet ${where.subnetPrefix}.0/24`,
  );
  await deps.ensureOfflineImages(docker, root, (m) => progress.line(m));

  const lab = deps.openLab(docker, where);
  const down = `docker compose -p ${where.project} down -v`;
  const teardown = deps.teardownOnce(
    async () => {
      progress.line(`taking the bench lab down (${down})`);
      await lab.down(OURS, 5);
    },
    (l) => progress.line(l),
    down,
  );
  try {
    const ours = await deps.runPhase(lab, OURS, plan, progress);
    const consul = await lab.consul.version().catch(() => 'unknown');
    const baseline = await deps.runPhase(lab, BASELINE, plan, progress);
    const oursF = roundFigures(ours.figures);
    const baseF = roundFigures(baseline.figures);
    const dockerVersion = await deps.dockerVersion(docker).catch(() => 'unknown');
    const warnings = [...ours.warnings, ...baseline.warnings];
    const machine = deps.machine();
    const meta = {
      mode: o.quick ? 'quick' : 'full',
      trials: plan.trials,
      clientTrafficSecondsPerWindow: plan.trafficMs / 1000,
      apiRequestsPerSecond: plan.apiRate,
      started: started.toISOString(),
      wallSeconds: Math.round((deps.now() - started.getTime()) / 1000),
      machine: { cpus: machine.cpus, os: machine.os, docker: dockerVersion, consul, node: machine.node },
      project: where.project,
      percentiles: 'nearest rank over the trials (p95 of 10 trials = the worst one)',
      errors: '"5xx" figures count /api/ answers >= 500 plus requests Nginx did not answer at all (refused, reset, timeout)',
      rates: 'fractions 0..1 of the demo client requests in the window',
      failoverBreakdown:
        "p50 ms per stage over the trials (docs/benchmark.md); from the agents' and the nginx container's logs, apply-render.sh's timing and a blocking query on host-a's agent",
      oursOnly:
        "oneServerMakeBeforeBreak*, hardKillEvents* and hung* are measured with our settings only (make-before-break and exercise 6's registrator are ours): null under baseline",
      memory: ours.memory.method,
      ours: OURS.summary,
      baseline: BASELINE.summary,
      warnings,
    };
    const breakdown = { ours: ours.breakdown, baseline: baseline.breakdown };
    const json = benchJson(oursF, baseF, { ours: phaseDetails(ours), baseline: phaseDetails(baseline) }, meta, breakdown);
    const problems = shapeProblems(json);
    if (problems.length) throw new Error(`result is incomplete: ${problems.join('; ')}`);
    if (o.out) {
      deps.writeFile(o.out, JSON.stringify(json, null, 2) + '\n');
      progress.line(`wrote ${o.out}`);
    }
    deps.out(benchReport(meta.mode, plan, { ours: oursF, baseline: baseF }, breakdown, warnings));
  } finally {
    await teardown.run().catch((err: Error) => progress.line(`teardown failed: ${err.message}; remove what is left with: ${down}`));
    teardown.dispose();
    lab.close();
    progress.line(`done in ${Math.round((deps.now() - started.getTime()) / 1000)} s`);
  }
  return 0;
}
