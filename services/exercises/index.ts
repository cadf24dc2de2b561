// The README exercises as checks on a snapshot of the lab: `npm run lab:check` and the lab view's checklist.
export * from './facts';
export * from './gather';
export * from './exercises';
export type { CheckResult } from './check';
export { RECENT_REQUESTS } from './commonChecks';
export { LAB_CLIENT_FAILURES_TOLERATED } from './lab-whole';
export { shownName } from './classroom';
export {
  ROOM_MAX_STUDENTS,
  ROOM_MOMENTS,
  roomChecks,
  roomSchema,
  roomStudentSchema,
  STOP_START_PHASES,
  stopStartSeconds,
  type RoomStudent,
  type RoomView,
} from './room';
export { ME_EXERCISE, ME_TITLE, meChecks, NOT_JOINED, type StudentFacts } from './me';
