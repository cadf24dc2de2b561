/*
 * README "Run it for a room" → "The room exercises": the room as the lab view keeps it (GET /room.json), its zod
 * schema (the view writes it, `npm run lab:check -- room` reads it: both import it from here), and the checks over
 * it, one line per student per moment. The view remembers what it saw (services/lab-view/roomState.ts); this file
 * only says what that memory means as ✓/✗.
 */
import { z } from 'zod';
import { STUDENT_NAME } from '../shared/names';
import { check, CheckResult } from './check';
import type { Known, LabFacts } from './facts';

export const ROOM_EXERCISE = 'room';

/** How many students the view keeps; more would not fit a projector anyway, and memory stays bounded. */
export const ROOM_MAX_STUDENTS = 100;

const seconds = z.number().finite().nonnegative();
const count = z.number().int().nonnegative();

/**
 * Exercise (b)'s stop-and-start, per student: `out` until the tile is first up (API passing and on the page), `up`,
 * `leaving` (one of the two gone), `away` (both gone), `returning` (one back), then `up` again with the cycle's
 * seconds: leftS from the first sign to both gone, awayS both gone, backS from the first sign of return to both back.
 */
export const STOP_START_PHASES = ['out', 'up', 'leaving', 'away', 'returning'] as const;

export const roomStudentSchema = z.object({
  /** A GitHub login (STUDENT_NAME): names that are not never reach the room. */
  name: z.string().regex(STUDENT_NAME),
  /** The node student-<name> is in the catalog. */
  joined: z.boolean(),
  /** serfHealth of that node passing. */
  agentAlive: z.boolean(),
  /** workshop-<name> on that node with every check that counts for it passing. */
  apiPassing: z.boolean(),
  /** Where the student's HTTP check is: on the service (ServiceID set), on the node, or none seen. */
  checkScope: z.enum(['service', 'node', 'none']),
  /** /avatars/workshop-<name> on the shared page; null while the page cannot be read. */
  onPage: z.boolean().nullable(),
  /** ms since the epoch: when any of the above last changed. */
  changedAt: z.number(),
  stopStart: z.object({
    phase: z.enum(STOP_START_PHASES),
    /** A whole leave-and-come-back seen (the latest one's seconds below). */
    done: z.boolean(),
    leftS: seconds.nullable(),
    awayS: seconds.nullable(),
    backS: seconds.nullable(),
  }),
  /** Exercise (c): a node-level check of theirs seen critical, and when first. */
  nodeCritical: z.object({ seen: z.boolean(), at: z.number().nullable() }),
});
export type RoomStudent = z.infer<typeof roomStudentSchema>;

export const roomSchema = z.object({
  now: z.number(),
  /** Students present (classroom mode): the page shows the room section. */
  active: z.boolean(),
  page: z.object({ read: z.boolean(), error: z.string().nullable() }),
  counters: z.object({
    students: count,
    joined: count,
    agentAlive: count,
    passing: count,
    onPage: count,
    stopStart: count,
    nodeCritical: count,
  }),
  /** Nodes student-<x> whose <x> is not a GitHub login (not shown), and students beyond ROOM_MAX_STUDENTS. */
  ignored: count,
  students: z.array(roomStudentSchema).max(ROOM_MAX_STUDENTS),
});
export type RoomView = z.infer<typeof roomSchema>;

export const ROOM_MOMENTS = {
  register: '(a) avatar on the page',
  stopStart: '(b) stopped and started their API',
  nodeCritical: '(c) saw their node go critical',
} as const;

const s = (x: number | null): string => (x === null ? '?' : `${x.toFixed(1)} s`);

/** (b)'s seconds in one phrase: "left in 0.4 s, away 12.0 s, back in 0.8 s". */
export function stopStartSeconds(st: RoomStudent['stopStart']): string {
  return `left in ${s(st.leftS)}, away ${s(st.awayS)}, back in ${s(st.backS)}`;
}

const ROOM_HINTS = {
  empty: 'no student yet: students run `npm run lab:join -- <address> --code <code> --name <github-account>`',
  register: 'their API must pass and the instructor’s Nginx must reach it (`npm run lab:roster` says why)',
  stopStart: 'on their machine: `docker compose -p lab-student stop workshop-api`, watch the tile go, then `… start workshop-api`',
  nodeCritical: 'on their machine: `npm run lab:join -- … --check-scope node`, then stop workshop-api and watch the node go critical',
} as const;

/** One ✓/✗ per student per moment, in the room's order; one ✗ when the room is empty. */
export function roomChecks(room: RoomView): CheckResult[] {
  if (room.students.length === 0) return [check(false, 'at least one student in the room', ROOM_HINTS.empty)];
  return room.students.flatMap((st) => [
    check(
      st.onPage === true,
      `${st.name}: ${ROOM_MOMENTS.register}`,
      st.onPage === null ? `the view cannot read the page (${room.page.error ?? 'unknown'})` : ROOM_HINTS.register,
    ),
    check(
      st.stopStart.done,
      st.stopStart.done
        ? `${st.name}: ${ROOM_MOMENTS.stopStart} (${stopStartSeconds(st.stopStart)})`
        : `${st.name}: ${ROOM_MOMENTS.stopStart}`,
      `${ROOM_HINTS.stopStart} (now: ${st.stopStart.phase})`,
    ),
    check(st.nodeCritical.seen, `${st.name}: ${ROOM_MOMENTS.nodeCritical}`, ROOM_HINTS.nodeCritical),
  ]);
}

/** The table's row: the room is the lab view's memory, so only `lab:check room` (reading /room.json) has it. */
export function roomExercise(f: Pick<LabFacts, 'room'>): CheckResult[] {
  const room: Known<RoomView> | undefined = f.room;
  if (!room)
    return [
      check(
        false,
        'the room, as the lab view saw it',
        'could not read the room from these facts: `npm run lab:check -- room` reads it from the lab view’s /room.json',
      ),
    ];
  return room.ok ? roomChecks(room.value) : [check(false, 'the room, as the lab view saw it', room.error)];
}
