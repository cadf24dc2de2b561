/*
 * Per-instance health over time, kept server-side so a page opened late still shows the last minutes.
 * Bounded in time (windowMs), in instances and in segments per instance: a lab that churns IDs
 * (consul-demo registers a new one every few seconds) must not grow the process without end.
 */

export type LiveStatus = 'passing' | 'warning' | 'critical';
export type InstanceStatus = LiveStatus | 'absent';

/** What the page labels an instance with; all of it comes from Consul, so the page escapes it. */
export interface InstanceInfo {
  node: string;
  address: string;
  port: number;
  version: string | null;
}

/** One stretch of one status: [from, to), `to` null while it lasts. Times in ms since the epoch. */
export interface Segment {
  status: InstanceStatus;
  from: number;
  to: number | null;
}

export interface InstanceTrack {
  id: string;
  info: InstanceInfo;
  segments: Segment[];
}

export interface Observation {
  id: string;
  status: LiveStatus;
  info: InstanceInfo;
}

export interface HistoryLimits {
  windowMs: number;
  maxInstances: number;
  maxSegments: number;
}

export const DEFAULT_LIMITS: HistoryLimits = { windowMs: 10 * 60_000, maxInstances: 200, maxSegments: 200 };

const sameInfo = (a: InstanceInfo, b: InstanceInfo): boolean =>
  a.node === b.node && a.address === b.address && a.port === b.port && a.version === b.version;

/** The time this track last had a live status (for eviction): an open live segment counts as now. */
function lastLive(t: InstanceTrack, now: number): number {
  for (let i = t.segments.length - 1; i >= 0; i--) {
    const s = t.segments[i]!;
    if (s.status !== 'absent') return s.to ?? now;
  }
  return -Infinity;
}

export class ServiceHistory {
  // A Map, not an object: IDs are arbitrary strings from Consul ("__proto__" included).
  private readonly tracks = new Map<string, InstanceTrack>();

  constructor(private readonly limits: HistoryLimits = DEFAULT_LIMITS) {}

  /**
   * The complete set of instances Consul reports at `now`; any known instance not in it is absent from now on.
   * Returns whether anything a page shows changed. A duplicate ID counts once (the last one).
   */
  observe(observations: readonly Observation[], now: number): boolean {
    const seen = new Map<string, Observation>();
    for (const o of observations) seen.set(o.id, o);
    let changed = false;
    for (const [id, o] of seen) {
      let t = this.tracks.get(id);
      if (!t) {
        t = { id, info: { ...o.info }, segments: [] };
        this.tracks.set(id, t);
      } else if (!sameInfo(t.info, o.info)) {
        t.info = { ...o.info };
        changed = true;
      }
      if (this.setStatus(t, o.status, now)) changed = true;
    }
    for (const t of this.tracks.values()) {
      if (!seen.has(t.id) && t.segments.length > 0 && this.setStatus(t, 'absent', now)) changed = true;
    }
    if (this.prune(now)) changed = true;
    return changed;
  }

  private setStatus(t: InstanceTrack, status: InstanceStatus, now: number): boolean {
    const last = t.segments[t.segments.length - 1];
    if (last && last.status === status) return false;
    if (last) {
      // A clock that stepped back must not make a segment end before it started.
      last.to = Math.max(now, last.from);
    }
    t.segments.push({ status, from: last ? last.to! : now, to: null });
    return true;
  }

  /** Forget what ended before the window, then enforce the caps. */
  prune(now: number): boolean {
    const horizon = now - this.limits.windowMs;
    let changed = false;
    for (const [id, t] of this.tracks) {
      const before = t.segments.length;
      let drop = t.segments.findIndex((s) => s.to === null || s.to >= horizon);
      if (drop < 0) drop = t.segments.length;
      drop = Math.max(drop, t.segments.length - this.limits.maxSegments);
      // A track never starts with "absent": there is nothing to draw before an instance was first seen.
      while (drop < t.segments.length && t.segments[drop]!.status === 'absent' && t.segments[drop]!.to !== null) drop++;
      if (drop > 0) t.segments.splice(0, drop);
      const onlyAbsent = t.segments.length === 0 || (t.segments.length === 1 && t.segments[0]!.status === 'absent');
      if (onlyAbsent) {
        this.tracks.delete(id);
        changed = true;
      } else if (t.segments.length !== before) changed = true;
    }
    if (this.tracks.size > this.limits.maxInstances) {
      // Evict the instances that have been gone longest; one that is there now goes last.
      const gone = (t: InstanceTrack): number => (t.segments[t.segments.length - 1]!.status === 'absent' ? 0 : 1);
      const order = [...this.tracks.values()].sort((a, b) => gone(a) - gone(b) || lastLive(a, now) - lastLive(b, now));
      for (const t of order.slice(0, this.tracks.size - this.limits.maxInstances)) this.tracks.delete(t.id);
      changed = true;
    }
    return changed;
  }

  /** A copy for a snapshot, instances in the order first seen. */
  snapshot(): InstanceTrack[] {
    return [...this.tracks.values()].map((t) => ({ id: t.id, info: { ...t.info }, segments: t.segments.map((s) => ({ ...s })) }));
  }
}
