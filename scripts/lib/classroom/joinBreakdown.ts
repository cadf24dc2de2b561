// Where lab:join's time goes (issue 19: a warm join on the page in <= 5 s): each phase ends when lab:join observes
// it, on the command's injected clock (deps.now), so unit tests assert the figures and classroom:sim can keep them.
// The last line of a successful lab:join is the breakdown, in a format parseJoinBreakdown reads back:
//
//   join breakdown: join info 0.2 s · enrol 0.4 s · ... · on the page 2.4 s = 9.2 s
//
// "join breakdown: ", then every phase in JOIN_PHASES' order as "<label> <seconds> s" joined by " · ", then
// " = <total> s". Seconds have one decimal; the phases' tenths add up to the total's exactly (each phase is the
// difference of its rounded end and the previous one's), so the line never disagrees with itself.

/** The phases lab:join can observe, in order; each starts where the previous one ended. */
export const JOIN_PHASES = [
  /** Docker connected, the join info read (file) or fetched (enrollment service), the route to the instructor found. */
  { key: 'joinInfo', label: 'join info' },
  /** Enrolled over https, or this machine's enrolment reused; student.json written. */
  { key: 'enrol', label: 'enrol' },
  /** The instructor's servers' gossip port answers on TCP. */
  { key: 'servers', label: 'servers answer' },
  /** The images present (or pulled). */
  { key: 'images', label: 'images' },
  /** `docker compose up -d` done and every container of the stack running. */
  { key: 'containers', label: 'containers up' },
  /** The student's node in the catalog (its serfHealth check, as its own agent reads it from the servers). */
  { key: 'agent', label: 'agent joined' },
  /** workshop-<name> in the catalog with its check. */
  { key: 'registered', label: 'registered' },
  /** Its check passing (and the node's serfHealth): what the instructor's Nginx renders. */
  { key: 'passing', label: 'first passing check' },
  /** The instructor's page links the avatar. */
  { key: 'page', label: 'on the page' },
] as const;

export type JoinPhaseKey = (typeof JOIN_PHASES)[number]['key'];

export interface JoinPhaseTime {
  phase: JoinPhaseKey;
  label: string;
  /** Milliseconds this phase took (0 when observed in the same look as the previous one). */
  ms: number;
}

/** Every phase's time, and the total: the sum of the phases. */
export interface JoinBreakdown {
  phases: JoinPhaseTime[];
  totalMs: number;
}

/** Marks phase ends on a clock; phases must end in order (a skipped one ends with the next, taking 0 ms). */
export class JoinTimer {
  private readonly started: number;
  private readonly ends = new Map<JoinPhaseKey, number>();

  constructor(private readonly now: () => number) {
    this.started = now();
  }

  /** `phase` (and every earlier phase not marked yet) ended now; a phase marked already keeps its first end. */
  end(phase: JoinPhaseKey): void {
    const at = this.now();
    for (const p of JOIN_PHASES) {
      if (!this.ends.has(p.key)) this.ends.set(p.key, at);
      if (p.key === phase) return;
    }
  }

  has(phase: JoinPhaseKey): boolean {
    return this.ends.has(phase);
  }

  /** The phases ended so far, each as the time since the previous end. */
  breakdown(): JoinBreakdown {
    let previous = this.started;
    const phases: JoinPhaseTime[] = [];
    for (const p of JOIN_PHASES) {
      const end = this.ends.get(p.key);
      if (end === undefined) break;
      phases.push({ phase: p.key, label: p.label, ms: end - previous });
      previous = end;
    }
    return { phases, totalMs: previous - this.started };
  }
}

const PREFIX = 'join breakdown: ';

/** The one line: phases in tenths of a second that add up to the total's tenths. */
export function formatJoinBreakdown(b: JoinBreakdown): string {
  let cumMs = 0;
  let cumTenths = 0;
  const parts = b.phases.map((p) => {
    cumMs += p.ms;
    const tenths = Math.round(cumMs / 100) - cumTenths;
    cumTenths += tenths;
    return `${p.label} ${(tenths / 10).toFixed(1)} s`;
  });
  return `${PREFIX}${parts.join(' · ')} = ${(cumTenths / 10).toFixed(1)} s`;
}

const LABEL_TO_KEY = new Map<string, JoinPhaseKey>(JOIN_PHASES.map((p) => [p.label, p.key]));

/**
 * A breakdown line back into data (e.g. from lab:join's stdout in classroom:sim), milliseconds to the tenth as
 * printed; undefined for any line that is not one (another prefix, an unknown phase, a number that is not one).
 */
export function parseJoinBreakdown(line: string): JoinBreakdown | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith(PREFIX)) return undefined;
  const m = /^(.*) = (\d+\.\d) s$/.exec(trimmed.slice(PREFIX.length));
  if (!m) return undefined;
  const phases: JoinPhaseTime[] = [];
  for (const part of m[1]!.split(' · ')) {
    const pm = /^(.+) (\d+\.\d) s$/.exec(part);
    const key = pm ? LABEL_TO_KEY.get(pm[1]!) : undefined;
    if (!pm || !key) return undefined;
    phases.push({ phase: key, label: pm[1]!, ms: Math.round(Number(pm[2]) * 1000) });
  }
  return { phases, totalMs: Math.round(Number(m[2]) * 1000) };
}

/** The breakdown line among lab:join's output lines (the last one that parses), if any. */
export function findJoinBreakdown(output: string): JoinBreakdown | undefined {
  return output
    .split('\n')
    .map(parseJoinBreakdown)
    .filter((b): b is JoinBreakdown => b !== undefined)
    .at(-1);
}
