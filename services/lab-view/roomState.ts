/*
 * The room's memory: each look (roomObserve.ts) folded into one record per student, with what the room exercises
 * need that no single look holds: when a tile last changed, exercise (b)'s leave-and-come-back with its seconds,
 * exercise (c)'s node gone critical. Pure and clock-injected, so a sequence of looks always gives the same room.
 *
 * A student once seen stays (their node gone is "not joined"), up to ROOM_MAX_STUDENTS; the tiles are sorted by name.
 */
import { ROOM_MAX_STUDENTS, type RoomStudent, type RoomView } from '../exercises/room';
import { studentServiceId } from '../shared/names';
import type { RoomSeen, StudentSeen } from './roomObserve';

/** Exercise (b)'s instants (ms), kept beside the public record. */
interface StopStartClock {
  leaveStartAt: number | null;
  awayAt: number | null;
  backStartAt: number | null;
}

interface Remembered {
  student: RoomStudent;
  clock: StopStartClock;
}

const absent = (name: string): StudentSeen => ({ name, agentAlive: false, apiPassing: false, checkScope: 'none', nodeCritical: false });

const secondsBetween = (from: number | null, to: number): number | null => (from === null ? null : Math.max(0, to - from) / 1000);

/**
 * Exercise (b): the tile is "up" when the API passes AND the avatar is on the page, "gone" when neither. A page that
 * cannot be read (onPage null) moves nothing: Nginx being away is not the student's doing.
 */
function stepStopStart(prev: RoomStudent['stopStart'], c: StopStartClock, api: boolean, onPage: boolean | null, now: number): void {
  if (onPage === null) return;
  const up = api && onPage;
  const gone = !api && !onPage;
  switch (prev.phase) {
    case 'out':
      if (up) prev.phase = 'up';
      return;
    case 'up':
      if (gone) {
        c.leaveStartAt = c.awayAt = now;
        prev.phase = 'away';
      } else if (!up) {
        c.leaveStartAt = now;
        prev.phase = 'leaving';
      }
      return;
    case 'leaving':
      if (up) prev.phase = 'up';
      else if (gone) {
        c.awayAt = now;
        prev.phase = 'away';
      }
      return;
    case 'away':
      if (up) {
        c.backStartAt = now;
        finish(prev, c, now);
      } else if (!gone) {
        c.backStartAt = now;
        prev.phase = 'returning';
      }
      return;
    case 'returning':
      if (up) finish(prev, c, now);
      else if (gone) prev.phase = 'away';
      return;
  }
}

function finish(st: RoomStudent['stopStart'], c: StopStartClock, now: number): void {
  st.phase = 'up';
  st.done = true;
  st.leftS = secondsBetween(c.leaveStartAt, c.awayAt ?? now);
  st.awayS = c.awayAt === null || c.backStartAt === null ? null : secondsBetween(c.awayAt, c.backStartAt);
  st.backS = secondsBetween(c.backStartAt, now);
  c.leaveStartAt = c.awayAt = c.backStartAt = null;
}

function fresh(name: string, now: number): Remembered {
  return {
    student: {
      name,
      joined: false,
      agentAlive: false,
      apiPassing: false,
      checkScope: 'none',
      onPage: null,
      changedAt: now,
      stopStart: { phase: 'out', done: false, leftS: null, awayS: null, backS: null },
      nodeCritical: { seen: false, at: null },
    },
    clock: { leaveStartAt: null, awayAt: null, backStartAt: null },
  };
}

/** The room's memory, fed one look at a time. */
export class RoomState {
  private readonly students = new Map<string, Remembered>();
  private ignored = 0;
  private page: RoomView['page'] = { read: false, error: 'not read yet' };

  constructor(private readonly now: () => number = Date.now) {}

  /** Fold one look in; true when the room (as roomView shows it, the clock aside) changed. */
  observe(seen: RoomSeen): boolean {
    const now = this.now();
    const before = JSON.stringify(this.view(0));
    const present = new Map(seen.students.map((s) => [s.name, s]));
    let overflow = 0;
    for (const name of present.keys()) {
      if (this.students.has(name)) continue;
      if (this.students.size >= ROOM_MAX_STUDENTS) overflow += 1;
      else this.students.set(name, fresh(name, now));
    }
    this.ignored = seen.ignored + overflow;
    this.page = seen.page.ok ? { read: true, error: null } : { read: false, error: seen.page.error };
    const pageIds = seen.page.ok ? new Set(seen.page.ids) : null;
    for (const [name, r] of this.students) {
      const s = present.get(name) ?? absent(name);
      const st = r.student;
      const onPage = pageIds === null ? null : pageIds.has(studentServiceId(name));
      const next = { joined: present.has(name), agentAlive: s.agentAlive, apiPassing: s.apiPassing, checkScope: s.checkScope, onPage };
      if (
        next.joined !== st.joined ||
        next.agentAlive !== st.agentAlive ||
        next.apiPassing !== st.apiPassing ||
        next.checkScope !== st.checkScope ||
        next.onPage !== st.onPage
      ) {
        Object.assign(st, next);
        st.changedAt = now;
      }
      stepStopStart(st.stopStart, r.clock, st.apiPassing, st.onPage, now);
      if (s.nodeCritical && !st.nodeCritical.seen) st.nodeCritical = { seen: true, at: now };
    }
    return JSON.stringify(this.view(0)) !== before;
  }

  /** The room as GET /room.json and the page show it; `at` is the view's now (a copy: callers may keep it). */
  view(at: number = this.now()): RoomView {
    const students = [...this.students.values()]
      .map((r) => structuredClone(r.student))
      .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.name.localeCompare(b.name));
    const n = (f: (s: RoomStudent) => boolean): number => students.filter(f).length;
    return {
      now: at,
      active: students.length > 0,
      page: { ...this.page },
      counters: {
        students: students.length,
        joined: n((s) => s.joined),
        agentAlive: n((s) => s.agentAlive),
        passing: n((s) => s.apiPassing),
        onPage: n((s) => s.onPage === true),
        stopStart: n((s) => s.stopStart.done),
        nodeCritical: n((s) => s.nodeCritical.seen),
      },
      ignored: this.ignored,
      students,
    };
  }
}
