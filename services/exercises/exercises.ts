/*
 * The README's exercises as checks on one LabFacts snapshot: is the lab in the state the exercise leads to?
 * Pure: the same facts give the same answer, in `npm run lab:check` and in the lab view's checklist.
 * The exercises themselves are rows of table.ts, each with its checks in a file of its own.
 */
import { studentServiceId } from '../shared/names';
import { CheckResult } from './check';
import { LabFacts } from './facts';
import { CLASSROOM_EXERCISE, EXERCISES, findExercise } from './table';

// The table is what one runs an exercise from: importers of this module (index.ts, gather.test.ts) get it here too.
export { CLASSROOM_EXERCISE, DEFAULT_EXERCISE, ROOM_EXERCISE, EXERCISES, type Exercise, findExercise } from './table';

export interface ExerciseResult {
  id: string;
  title: string;
  checks: CheckResult[];
}

/** The checks of one exercise on one snapshot. Throws on an unknown id (see findExercise / EXERCISES). */
export function checkExercise(id: string, facts: LabFacts): ExerciseResult {
  const ex = findExercise(id);
  if (!ex) throw new Error(`unknown exercise "${id}": one of ${EXERCISES.map((e) => e.id).join(', ')}`);
  return { id: ex.id, title: ex.title, checks: ex.checks(id === CLASSROOM_EXERCISE ? facts : withoutStudentTiles(facts)) };
}

/**
 * The lab's own exercises compare the page with the lab's `workshop` instances. In classroom mode the page also
 * shows every student's own service `workshop-<name>`: those tiles are the classroom exercise's business, not an
 * extra instance on the page.
 */
export function withoutStudentTiles(facts: LabFacts): LabFacts {
  if (!facts.page.ok || !facts.classroom.ok || facts.classroom.value.students.length === 0) return facts;
  const students = new Set(facts.classroom.value.students.map(studentServiceId));
  return { ...facts, page: { ok: true, value: { ...facts.page.value, tiles: facts.page.value.tiles.filter((t) => !students.has(t)) } } };
}

export function passed(result: ExerciseResult): boolean {
  return result.checks.every((c) => c.ok);
}
