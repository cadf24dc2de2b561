/*
 * The building blocks every exercise's checks are made of: a check result, a check on a part of the facts that
 * may be unreadable, the parts' names for "could not read …", and the small questions many checks ask of the facts.
 * Every failing check carries a one-line hint: the command that gets there, or what could not be read.
 */
import { workshopServiceId } from '../shared/names';
import { CheckFact, InstanceFact, Known, LAB_WORKSHOP_INSTANCES } from './facts';

export interface CheckResult {
  ok: boolean;
  label: string;
  /** What to do about a failing check, one line; "" when it passes. */
  hint: string;
}

export function check(ok: boolean, label: string, hint: string): CheckResult {
  return { ok, label, hint: ok ? '' : hint };
}

/** A check on one part of the facts; that part unreadable → ✗ saying what could not be read. */
export function on<T>(part: Known<T>, what: string, label: string, fn: (v: T) => CheckResult): CheckResult {
  return part.ok ? fn(part.value) : check(false, label, `could not read ${what}: ${part.error}`);
}

/** Two parts at once. */
export function on2<A, B>(
  a: Known<A>,
  aWhat: string,
  b: Known<B>,
  bWhat: string,
  label: string,
  fn: (a: A, b: B) => CheckResult,
): CheckResult {
  if (!a.ok) return check(false, label, `could not read ${aWhat}: ${a.error}`);
  if (!b.ok) return check(false, label, `could not read ${bWhat}: ${b.error}`);
  return fn(a.value, b.value);
}

// The parts of LabFacts several exercises read, as a failing check names what it could not read.
export const WORKSHOP = "Consul's workshop instances";
export const DEMO = "Consul's consul-demo instances";
export const NODE_CHECKS = "Consul's node checks";
export const PAGE = 'the Nginx page';

/** `workshop-api-b1` → `api-b1` (the name students know); anything else as it is. */
export function nameOf(id: string): string {
  const prefix = workshopServiceId('');
  return id.startsWith(prefix) ? id.slice(prefix.length) : id;
}

export function names(ids: Iterable<string>): string {
  return [...ids].map(nameOf).join(', ');
}

export function passingIds(instances: InstanceFact[]): Set<string> {
  return new Set(instances.filter((i) => i.passing).map((i) => i.id));
}

/** The host an instance ID is on: Consul's answer if it has the instance, else the lab's fixed cast. */
export function hostOf(id: string, instances: InstanceFact[]): string | undefined {
  return instances.find((i) => i.id === id)?.node ?? LAB_WORKSHOP_INSTANCES.find((w) => w.id === id)?.host;
}

export function serfOf(checks: CheckFact[], node: string): CheckFact | undefined {
  return checks.find((c) => c.node === node && c.checkId === 'serfHealth');
}
