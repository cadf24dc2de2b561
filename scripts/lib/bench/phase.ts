import type { Progress } from '../term/progress';
import { formatSeconds } from '../term/table';
import { ApiLoad, countApiWindows } from './apiLoad';
import { BREAK_BEFORE_MAKE, MAKE_BEFORE_BREAK } from '../../../services/shared/names';
import type { BenchLab, DemoRestartMode } from './benchLab';
import { ClientWindow, clientWindow } from './clientRates';
import type { FailoverBreakdown, Figures } from './figures';
import { stageP50s } from './breakdown';
import { ReloadBurst, runReloadBursts } from './reloadBursts';
import { LabMemory, labMemory } from './memory';
import { servingView, isServing, waitServing } from './serving';
import { registratorFigures, runRegistratorTrials } from './registratorTrials';
import {
  DEFAULT_FAILOVER_OPTIONS,
  FailoverTrial,
  failoverFigures,
  failoverWorld,
  runFailoverTrial,
  runFailoverTrials,
} from './failoverTrials';
import type { BenchPlan, LabSettings } from './settings';
import { distribution } from './stats';
import { DEFAULT_TRIAL_OPTIONS, STOP_ACTIONS, StopKind, StopTrial, TrialOptions, runStopTrial, signalAllButInit } from './stopTrials';
import { sleep } from '../../../services/shared/async';
import { isWorkshopApiService } from '../docker/labServices';

export interface UpTrial {
  healthyMs: number;
  servingMs: number;
}

export interface PhaseResult {
  settings: LabSettings;
  figures: Figures;
  upTrials: UpTrial[];
  stopTrials: StopTrial[];
  clientWindows: ClientWindow[];
  memory: LabMemory;
  /** p50 of each failover stage (breakdown.ts). */
  breakdown: FailoverBreakdown;
  reloadBursts: ReloadBurst[];
  /** Exercise 8's prepared-query failovers (ours only; none for the baseline). */
  failoverTrials: FailoverTrial[];
  api: {
    graceful: ReturnType<typeof countApiWindows>;
    hard: ReturnType<typeof countApiWindows>;
    /** The registrator's trials (ours only; 0 requests for the baseline): from the kill or SIGSTOP until the restore. */
    events: ReturnType<typeof countApiWindows>;
    hung: ReturnType<typeof countApiWindows>;
    /**
     * Exercise 8's trials (ours only): from the first of dc1's instances stopped until all four serve again. All of
     * dc1 is down for a while in each, so /api/ answers 503 then: counted here, never in the stop trials' figures.
     */
    failover: ReturnType<typeof countApiWindows>;
    /** From graceful stops' and hard kills' restores. */
    restore: ReturnType<typeof countApiWindows>;
    skipped: number;
  };
  warnings: string[];
}

// workshop-api-a1, -a2 on host-a and -b1, -b2 on host-b (docker-compose.yml).
const EXPECTED_APIS = 4;

/** `down -v`, then `up -d --wait` timed (→ healthy), then polled until every workshop API is in Nginx (→ serving). */
async function upTrial(lab: BenchLab, settings: LabSettings): Promise<UpTrial> {
  await lab.down(settings);
  const t0 = performance.now();
  const healthyMs = await lab.up(settings);
  const deadline = t0 + 120_000;
  for (;;) {
    const ok = await servingView(lab).then(
      (v) => isServing(v, EXPECTED_APIS),
      () => false,
    );
    if (ok) break;
    if (performance.now() > deadline)
      throw new Error(`lab ${lab.where.project}: the ${EXPECTED_APIS} workshop-api instances were not all in Nginx 120 s after up`);
    await sleep(100);
  }
  return { healthyMs, servingMs: performance.now() - t0 };
}

const sec = (ms: number): string => formatSeconds(ms);

/**
 * After a failed trial: start every workshop-api container it left stopped and, after a hang, wake the processes of
 * the running ones (kill -CONT is harmless to a process that is not stopped); then the trial is tried again.
 */
async function bringBack(lab: BenchLab, kind: StopKind): Promise<void> {
  for (const c of (await lab.containers()).filter((x) => isWorkshopApiService(x.service))) {
    const container = lab.docker.getContainer(c.id);
    if (c.state !== 'running') await container.start().catch(() => undefined);
    else if (kind === 'hung') await signalAllButInit(container, 'CONT').catch(() => undefined);
  }
}

/**
 * One configuration, measured: n cold starts (the last one stays up), its memory, then two things at once —
 * n graceful stops and n hard kills of a workshop-api instance under a steady /api/ load, the reload bursts and,
 * for ours, exercise 6's registrator (n kills and n hangs of api-b3) and exercise 8's failover to dc2 (n times all
 * of dc1's instances out and one back), and the demo client's traffic with 1 server, then 2 (the demo side and the
 * workshop side share no container).
 */
export async function runPhase(lab: BenchLab, settings: LabSettings, plan: BenchPlan, progress: Progress): Promise<PhaseResult> {
  const tag = `[${settings.name}]`;
  const warnings: string[] = [];
  progress.line(`${tag} lab settings: ${settings.summary}`);

  const upTrials: UpTrial[] = [];
  for (let i = 1; i <= plan.trials; i++) {
    let t: UpTrial | undefined;
    // A failed start is reported (with the failed containers' last log lines) and the trial retried, twice at
    // most: one flaky start should not throw away a half-hour run, and the warning keeps it on the record.
    for (let attempt = 1; !t; attempt++) {
      try {
        t = await upTrial(lab, settings);
      } catch (err) {
        const why = `${tag} up trial ${i} attempt ${attempt} failed: ${(err as Error).message}; ${(await lab.exitedContainerLogs().catch(() => [])).join('; ')}`;
        warnings.push(why);
        progress.line(why);
        if (attempt >= 3) throw err;
      }
    }
    upTrials.push(t);
    progress.line(
      `${tag} up trial ${i}/${plan.trials}: healthy after ${sec(t.healthyMs)}, ${EXPECTED_APIS} APIs in Nginx after ${sec(t.servingMs)}`,
    );
  }

  const memory = await labMemory(lab.docker, await lab.containers());
  progress.line(`${tag} memory: ${memory.totalMiB.toFixed(1)} MiB over ${memory.containers.length} containers`);

  const load = new ApiLoad(`${lab.nginxUrl}/api/`, plan.apiRate);
  load.start();
  const stopTrials: StopTrial[] = [];
  const reloadBursts: ReloadBurst[] = [];
  const failoverTrials: FailoverTrial[] = [];
  // n trials of one kind: each retried once (after bringing back what the failed one left stopped or hung),
  // recorded, and reported in one progress line.
  const trials = async (kind: StopKind, opts: TrialOptions): Promise<void> => {
    const what = STOP_ACTIONS[kind].label;
    for (let i = 0; i < plan.trials; i++) {
      let t: StopTrial | undefined;
      for (let attempt = 1; !t; attempt++) {
        try {
          t = await runStopTrial(lab, kind, i, opts);
        } catch (err) {
          const why = `${tag} ${what} trial ${i + 1} attempt ${attempt} failed: ${(err as Error).message}`;
          warnings.push(why);
          progress.line(why);
          if (attempt >= 2) throw err;
          await bringBack(lab, kind);
        }
      }
      stopTrials.push(t);
      warnings.push(...t.notSeen.map((n) => `${tag} not seen within ${sec(opts.timeoutMs)}: ${n}`));
      const errs = countApiWindows(load.results(), [[t.startedAt, t.restoreStartedAt]]);
      progress.line(
        `${tag} ${what} ${i + 1}/${plan.trials} (${t.target}): out of Consul ${sec(t.outOfConsulMs)}, ` +
          `out of Nginx ${sec(t.outOfNginxMs)}, back in Nginx ${sec(t.backInNginxMs)} after ${kind === 'hung' ? 'kill -CONT' : 'start'}; ` +
          `/api/ errors ${errs.errors}/${errs.requests}; ` +
          `stages ${Object.entries(t.stages)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')} ms`,
      );
    }
  };
  const workshopSide = (async () => {
    for (const kind of ['graceful', 'hard'] as StopKind[]) await trials(kind, { ...DEFAULT_TRIAL_OPTIONS, expected: EXPECTED_APIS });
    for (const b of await runReloadBursts(lab, EXPECTED_APIS)) {
      reloadBursts.push(b);
      progress.line(`${tag} reloads, ${b.what} (${b.instances} instances at once): ${b.reloads}, settled after ${sec(b.settledMs)}`);
    }
    // Last on this side, so it never overlaps the trials or the bursts above; the lab has 4 instances again after.
    if (settings.name === 'ours')
      await runRegistratorTrials(lab, settings, EXPECTED_APIS, {
        trials,
        waitServing: (n) => waitServing(lab, n, 120_000),
        say: (l) => progress.line(l),
        warn: (l) => {
          warnings.push(l);
          progress.line(l);
        },
      });
    // Exercise 8, after the registrator's profile is gone (the lab has its 4 dc1 instances): stops all of dc1.
    if (settings.name === 'ours') {
      const world = failoverWorld(lab);
      failoverTrials.push(
        ...(await runFailoverTrials(lab, settings, plan.trials, EXPECTED_APIS, {
          trial: (i) => runFailoverTrial(world, i, { ...DEFAULT_FAILOVER_OPTIONS, expected: EXPECTED_APIS }),
          bringBack: async () => {
            await bringBack(lab, 'graceful');
            await waitServing(lab, EXPECTED_APIS, 120_000);
          },
          waitServing: (n) => waitServing(lab, n, 120_000),
          say: (l) => progress.line(l),
          warn: (l) => {
            warnings.push(l);
            progress.line(l);
          },
        })),
      );
    }
  })();
  const clientWindows: ClientWindow[] = [];
  // The lab starts with 1 demo server in break-before-make (the lab's default), then 2 (scaled: the running one is
  // kept). Ours then adds a window with 1 server in make-before-break (issue #14: the mode without a restart
  // gap), last, so that only this switch recreates a container.
  const windows: Array<{ servers: number; mode: DemoRestartMode }> = [
    { servers: 1, mode: BREAK_BEFORE_MAKE },
    { servers: 2, mode: BREAK_BEFORE_MAKE },
    ...(settings.name === 'ours' ? [{ servers: 1, mode: MAKE_BEFORE_BREAK }] : []),
  ];
  const demoSide = (async () => {
    let now = windows[0]!;
    for (const win of windows) {
      const what = `${win.servers} server(s)${win.mode === MAKE_BEFORE_BREAK ? `, ${MAKE_BEFORE_BREAK}` : ''}`;
      if (win.servers !== now.servers || win.mode !== now.mode) {
        // A busy machine can make one `up --wait` miss a healthcheck: once more before giving up the run.
        const keep = win.mode === now.mode;
        await lab.demoServers(win.servers, settings, win.mode, keep).catch(async (err: Error) => {
          const why = `${tag} demo-server: ${what} failed once (${err.message}), trying again`;
          warnings.push(why);
          progress.line(why);
          await lab.demoServers(win.servers, settings, win.mode, keep);
        });
        progress.line(`${tag} demo-server: ${what}`);
        now = win;
      }
      const w = await clientWindow(lab, win.servers, plan.trafficMs, (part, elapsed) =>
        progress.line(
          `${tag} client traffic, ${what}: ${sec(elapsed)}/${sec(plan.trafficMs)}, ${part.requests} requests, first try ${(part.firstTryRate * 100).toFixed(2)} %`,
        ),
      );
      w.restartMode = win.mode;
      clientWindows.push(w);
      progress.line(
        `${tag} client traffic, ${what} done: ${w.requests} requests, first try ${(w.firstTryRate * 100).toFixed(2)} %, with retry ${(w.withRetryRate * 100).toFixed(2)} %`,
      );
      if (w.requests === 0) warnings.push(`${tag} the demo client logged no requests with ${what}`);
    }
  })();
  try {
    await Promise.all([workshopSide, demoSide]);
  } finally {
    await load.stop();
  }

  const samples = load.results();
  const graceful = stopTrials.filter((t) => t.kind === 'graceful');
  const hard = stopTrials.filter((t) => t.kind === 'hard');
  // The baseline has no registrator trials: restores are compared over the same kinds in both phases.
  const restored = [...graceful, ...hard];
  const stopWindows = (ts: StopTrial[]): Array<[number, number]> => ts.map((t) => [t.startedAt, t.restoreStartedAt]);
  const api = {
    graceful: countApiWindows(samples, stopWindows(graceful)),
    hard: countApiWindows(samples, stopWindows(hard)),
    events: countApiWindows(samples, stopWindows(stopTrials.filter((t) => t.kind === 'events'))),
    hung: countApiWindows(samples, stopWindows(stopTrials.filter((t) => t.kind === 'hung'))),
    failover: countApiWindows(
      samples,
      failoverTrials.map((t) => [t.startedAt, t.endedAt] as [number, number]),
    ),
    restore: countApiWindows(
      samples,
      restored.map((t) => [t.restoreStartedAt, t.restoredAt + 1000] as [number, number]),
    ),
    skipped: load.skipped,
  };
  if (load.skipped > 0) warnings.push(`${tag} the /api/ load skipped ${load.skipped} ticks (20 requests already in flight)`);

  const d = (xs: number[]) => distribution(xs);
  const gConsul = d(graceful.map((t) => t.outOfConsulMs));
  const gNginx = d(graceful.map((t) => t.outOfNginxMs));
  const hConsul = d(hard.map((t) => t.outOfConsulMs));
  const hNginx = d(hard.map((t) => t.outOfNginxMs));
  const restore = d(restored.map((t) => t.backInNginxMs));
  const healthy = d(upTrials.map((t) => t.healthyMs));
  const serving = d(upTrials.map((t) => t.servingMs));
  const one = clientWindows.find((w) => w.servers === 1 && w.restartMode !== MAKE_BEFORE_BREAK)!;
  const oneMbb = clientWindows.find((w) => w.servers === 1 && w.restartMode === MAKE_BEFORE_BREAK);
  const two = clientWindows.find((w) => w.servers === 2)!;
  const burst = (what: ReloadBurst['what']): number => reloadBursts.find((b) => b.what === what)?.reloads ?? Number.NaN;
  const breakdown: FailoverBreakdown = {
    graceful: stageP50s(graceful.map((t) => t.stages)),
    hardKill: stageP50s(hard.map((t) => t.stages)),
  };
  const figures: Figures = {
    gracefulOutOfConsulP50Ms: gConsul.p50,
    gracefulOutOfConsulP95Ms: gConsul.p95,
    gracefulOutOfNginxP50Ms: gNginx.p50,
    gracefulOutOfNginxP95Ms: gNginx.p95,
    hardKillOutOfConsulP50Ms: hConsul.p50,
    hardKillOutOfConsulP95Ms: hConsul.p95,
    hardKillOutOfNginxP50Ms: hNginx.p50,
    hardKillOutOfNginxP95Ms: hNginx.p95,
    ...registratorFigures(stopTrials),
    ...failoverFigures(failoverTrials),
    graceful5xx: api.graceful.errors,
    gracefulApiRequests: api.graceful.requests,
    hardKill5xx: api.hard.errors,
    hardKillApiRequests: api.hard.requests,
    restore5xx: api.restore.errors,
    restoreToNginxP50Ms: restore.p50,
    restoreToNginxP95Ms: restore.p95,
    oneServerFirstTryRate: one.firstTryRate,
    oneServerWithRetryRate: one.withRetryRate,
    oneServerRequests: one.requests,
    oneServerMakeBeforeBreakFirstTryRate: oneMbb?.firstTryRate ?? Number.NaN,
    oneServerMakeBeforeBreakRequests: oneMbb?.requests ?? Number.NaN,
    twoServerFirstTryRate: two.firstTryRate,
    twoServerWithRetryRate: two.withRetryRate,
    twoServerRequests: two.requests,
    reloadsScaleDown3: burst('scaleDown3'),
    reloadsRestartAll: burst('restartAll'),
    upToHealthyP50Ms: healthy.p50,
    upToHealthyMs: healthy.p95,
    upToServingP50Ms: serving.p50,
    upToServingP95Ms: serving.p95,
    labMemoryMiB: memory.totalMiB,
  };
  return { settings, figures, upTrials, stopTrials, clientWindows, memory, breakdown, reloadBursts, failoverTrials, api, warnings };
}
