/**
 * Where a failover's time goes: one stop or kill of a workshop-api instance split into the steps between the
 * action and Nginx no longer routing to it. Pure: the timestamps come from the logs and the blocking query
 * (breakdownProbe.ts), the stages and their p50s are computed here.
 *
 *   action     docker stop (SIGTERM) / SIGKILL sent                                  (the bench)
 *   known      the instance's agent knows: graceful = "Deregistered service", kill =  (its host agent's log)
 *              "Check is now critical" (the first failing check after the kill)
 *   wokeUp     a blocking query on host-a's agent (where consul-template asks)        (the bench's own query)
 *              returns the passing set without the instance
 *   rendered   consul-template wrote the first template: its `wait` has elapsed        (nginx container's log)
 *   started    apply-render.sh began (run after that first template)                   (its timing suffix)
 *   checked    `nginx -t` of the staged files passed                                  (its timing suffix)
 *   applied    published, SIGHUP sent to the nginx master                             (its timing suffix)
 *   reloaded   the master started its new workers                                     (nginx's own log)
 */

export const STAGES = [
  { key: 'detect', label: 'action -> the agent knows (deregistered / check critical)' },
  { key: 'propagate', label: 'agent -> servers -> blocking query on host-a wakes up' },
  { key: 'templateWait', label: "consul-template's wait, until the first template is rendered" },
  { key: 'render', label: 'rendered -> apply-render.sh starts' },
  { key: 'nginxTest', label: 'nginx -t' },
  { key: 'publish', label: 'publish the files, signal the reload' },
  { key: 'reload', label: 'signal -> new workers started' },
] as const;

export type StageKey = (typeof STAGES)[number]['key'];
export type StageMs = Partial<Record<StageKey, number>>;

/** Epoch ms of each step of one trial; a step not found is left out (and so are the stages next to it). */
export interface FailoverStamps {
  action: number;
  known?: number;
  wokeUp?: number;
  rendered?: number;
  started?: number;
  checked?: number;
  applied?: number;
  reloaded?: number;
}

const ORDER = ['action', 'known', 'wokeUp', 'rendered', 'started', 'checked', 'applied', 'reloaded'] as const;

/**
 * Each stage = the step that ends it minus the step before; only when both were seen. At least 0: the stamps
 * come from three clocks' readings (Docker's log timestamps, `date` in apply-render.sh, this process) that
 * can disagree by a few ms, and nginx may log its reload before the script logs having signalled it.
 */
export function stagesOf(s: FailoverStamps): StageMs {
  const out: StageMs = {};
  STAGES.forEach((st, i) => {
    const from = s[ORDER[i]!];
    const to = s[ORDER[i + 1]!];
    if (from !== undefined && to !== undefined) out[st.key] = Math.max(0, to - from);
  });
  return out;
}

/** The p50 (nearest rank, as every bench percentile) of each stage over the trials that have it, in whole ms. */
export function stageP50s(trials: readonly StageMs[]): StageMs {
  const out: StageMs = {};
  for (const { key } of STAGES) {
    const xs = trials.map((t) => t[key]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (!xs.length) continue;
    const sorted = [...xs].sort((a, b) => a - b);
    out[key] = Math.round(sorted[Math.max(1, Math.ceil(0.5 * sorted.length)) - 1]!);
  }
  return out;
}

/** One line of `docker logs --timestamps`: Docker's receive time (epoch ms) and the text. */
export interface LogLine {
  at: number;
  text: string;
}

/**
 * Split `docker logs --timestamps` output ("2026-01-01T00:00:00.123456789Z text") into lines with epoch ms.
 * A line that starts with its own millisecond timestamp (Consul's and consul-template's logs) is timed by that:
 * Docker's is when it read the line from the pipe, which a busy machine delays by tens of ms.
 */
export function parseTimestampedLog(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z (.*)$/.exec(line);
    if (!m) continue;
    const frac = m[2] ? Number(`0${m[2]}`) : 0;
    const own = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z /.exec(m[3]!);
    out.push({ at: own ? Date.parse(`${own[1]}Z`) : Date.parse(`${m[1]}Z`) + Math.floor(frac * 1000), text: m[3]! });
  }
  return out;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * When the instance's agent learnt it is gone, from that agent's log: the first "Deregistered service" of the
 * service ID or "Check is now critical" of its service check, at or after `after`.
 */
export function agentKnewAt(lines: readonly LogLine[], serviceId: string, after: number): number | undefined {
  const id = escape(serviceId);
  const re = new RegExp(`agent: (Deregistered service: service=${id}|Check is now critical: check=service:${id})(\\s|$)`);
  return lines.find((l) => l.at >= after && re.test(l.text))?.at;
}

/** The nginx side's steps for the first render at or after `after`, from the nginx container's log. */
export function renderStepsAfter(
  lines: readonly LogLine[],
  after: number,
): Pick<FailoverStamps, 'rendered' | 'started' | 'checked' | 'applied' | 'reloaded'> {
  const i = lines.findIndex((l) => l.at >= after && /\(runner\) rendered "/.test(l.text));
  if (i < 0) return {};
  const out: ReturnType<typeof renderStepsAfter> = { rendered: lines[i]!.at };
  const applied = lines.slice(i).find((l) => /apply-render: applied render/.test(l.text));
  const m = applied && /timing start=(\d+) checked=(\d+) applied=(\d+)/.exec(applied.text);
  if (m) {
    out.started = Number(m[1]);
    out.checked = Number(m[2]);
    out.applied = Number(m[3]);
    // The master logs "signal 1 (SIGHUP) received ..., reconfiguring" and then "start worker processes".
    const hup = lines.findIndex((l, j) => j > i && /signal 1 \(SIGHUP\) received/.test(l.text));
    const workers = hup < 0 ? undefined : lines.slice(hup).find((l) => /start worker processes/.test(l.text));
    if (workers) out.reloaded = workers.at;
  }
  return out;
}

/** The renders applied (Nginx reloaded, or restarted for the baseline) in [from, to], with their instance count. */
export function appliedRenders(lines: readonly LogLine[], from: number, to: number): Array<{ at: number; instances: number }> {
  return lines
    .filter((l) => l.at >= from && l.at <= to)
    .map((l) => ({ at: l.at, m: /apply-render: applied render with (\d+) instance/.exec(l.text) }))
    .filter((x) => x.m)
    .map((x) => ({ at: x.at, instances: Number(x.m![1]) }));
}

/** How many renders were applied in [from, to]. */
export function countApplied(lines: readonly LogLine[], from: number, to: number): number {
  return appliedRenders(lines, from, to).length;
}
