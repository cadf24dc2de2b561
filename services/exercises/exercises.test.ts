// Running one exercise on a snapshot (exercises.ts): an unknown id, the result's shape, and the classroom's
// tiles kept out of the lab's own exercises. Each exercise's checks are tested beside its file.
import { checkExercise } from './exercises';
import { expectPass, factsOf, healthyLab, student } from './testdata/labFacts';

test('an unknown exercise throws, naming the ones there are', () => {
  expect(() => checkExercise('9', factsOf(healthyLab()))).toThrow(
    /unknown exercise "9": one of lab, 1, 2, 3, 4, 5, 5-node-check, 6, 7, 8, classroom/,
  );
});

test('a result is exactly { id, title, checks: [{ ok, label, hint }] } (the lab view draws it as it is)', () => {
  const r = checkExercise('2', factsOf(healthyLab()));
  expect(Object.keys(r).sort()).toEqual(['checks', 'id', 'title']);
  for (const c of r.checks) expect(Object.keys(c).sort()).toEqual(['hint', 'label', 'ok']);
});

test("students' tiles on the page do not fail the lab's own exercises (they compare the page with the workshop service)", () => {
  const r = healthyLab({ classroom: true, students: [student('alice'), student('bob')] });
  const facts = factsOf(r);
  expect(facts.page.ok && facts.page.value.tiles).toEqual(expect.arrayContaining(['workshop-alice', 'workshop-bob']));
  expectPass('lab', r);
  expectPass('3', r);
});
