import { REGISTRATOR_API_SERVICE, REGISTRATOR_PROFILE, REGISTRATOR_SERVICES } from '../docker/compose';
import type { BenchLab } from './benchLab';
import type { Figures } from './figures';
import type { LabSettings } from './settings';
import { distribution } from './stats';
import { DEFAULT_TRIAL_OPTIONS, type StopKind, type StopTrial, type TrialOptions } from './stopTrials';

/**
 * Exercise 6's two paths out of Nginx, with our settings only (the original workshop had no registrator):
 * api-b3 killed (Docker's die event → the registrator deregisters it) and api-b3 hung (SIGSTOP: the container
 * stays running, only its health check can tell).
 */
export const REGISTRATOR_KINDS: readonly StopKind[] = ['events', 'hung'];

export type RegistratorFigureKey =
  | 'hardKillEventsOutOfConsulP50Ms'
  | 'hardKillEventsOutOfConsulP95Ms'
  | 'hardKillEventsOutOfNginxP50Ms'
  | 'hardKillEventsOutOfNginxP95Ms'
  | 'hungOutOfConsulP50Ms'
  | 'hungOutOfConsulP95Ms'
  | 'hungOutOfNginxP50Ms'
  | 'hungOutOfNginxP95Ms';

/** The registrator's figures from a phase's trials: NaN (null in the JSON, "-" in the table) without such trials. */
export function registratorFigures(trials: readonly StopTrial[]): Pick<Figures, RegistratorFigureKey> {
  const of = (kind: StopKind, f: (t: StopTrial) => number) => distribution(trials.filter((t) => t.kind === kind).map(f));
  const eConsul = of('events', (t) => t.outOfConsulMs);
  const eNginx = of('events', (t) => t.outOfNginxMs);
  const hConsul = of('hung', (t) => t.outOfConsulMs);
  const hNginx = of('hung', (t) => t.outOfNginxMs);
  return {
    hardKillEventsOutOfConsulP50Ms: eConsul.p50,
    hardKillEventsOutOfConsulP95Ms: eConsul.p95,
    hardKillEventsOutOfNginxP50Ms: eNginx.p50,
    hardKillEventsOutOfNginxP95Ms: eNginx.p95,
    hungOutOfConsulP50Ms: hConsul.p50,
    hungOutOfConsulP95Ms: hConsul.p95,
    hungOutOfNginxP50Ms: hNginx.p50,
    hungOutOfNginxP95Ms: hNginx.p95,
  };
}

export interface RegistratorSteps {
  /** n trials of one kind, each recorded and reported by the phase (its retry and progress line included). */
  trials(kind: StopKind, opts: TrialOptions): Promise<void>;
  /** Until `n` instances pass in Consul and serve in Nginx (serving.ts waitServing). */
  waitServing(n: number): Promise<void>;
  say(line: string): void;
  warn(line: string): void;
}

/**
 * The registrator's trials on the bench lab: the `registrator` profile up (api-b3 the 5th instance, once it
 * serves), `events` then `hung` trials on api-b3, and the profile taken down again whatever happened, so the lab
 * is back to its `expected` instances. A failed take-down is a warning: nothing on the workshop side follows, and
 * the next phase starts from `down -v` with every profile.
 */
export async function runRegistratorTrials(
  lab: Pick<BenchLab, 'registrator'>,
  settings: LabSettings,
  expected: number,
  steps: RegistratorSteps,
): Promise<void> {
  const tag = `[${settings.name}]`;
  const withB3 = expected + 1;
  await lab.registrator(true, settings);
  try {
    await steps.waitServing(withB3);
    steps.say(`${tag} ${REGISTRATOR_PROFILE} profile up (${REGISTRATOR_SERVICES.join(', ')}): ${withB3} instances in Nginx`);
    for (const kind of REGISTRATOR_KINDS)
      await steps.trials(kind, { ...DEFAULT_TRIAL_OPTIONS, expected: withB3, targetService: REGISTRATOR_API_SERVICE });
  } finally {
    try {
      await lab.registrator(false, settings);
      await steps.waitServing(expected);
      steps.say(`${tag} ${REGISTRATOR_PROFILE} profile removed: ${expected} instances in Nginx`);
    } catch (err) {
      steps.warn(`${tag} taking the ${REGISTRATOR_PROFILE} profile down failed: ${(err as Error).message}`);
    }
  }
}
