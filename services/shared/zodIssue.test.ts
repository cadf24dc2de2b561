import fc from 'fast-check';
import { z } from 'zod';
import { firstZodIssue, zodFieldPath } from './zodIssue';

const Schema = z
  .object({
    name: z.string().regex(/^[a-z]+$/, 'must be a-z'),
    nested: z.object({ list: z.array(z.number()) }),
  })
  .strict();

function issueOf(value: unknown): string {
  const r = Schema.safeParse(value);
  if (r.success) throw new Error('expected a failure');
  return firstZodIssue(r.error);
}

test('the first bad field, dotted, with the rule', () => {
  expect(issueOf({ name: 'Ab', nested: { list: [] } })).toBe('name: must be a-z');
  expect(issueOf({ name: 'ab', nested: { list: [1, 'x'] } })).toBe('nested.list.1: Invalid input: expected number, received string');
  expect(issueOf({ name: 'ab', nested: { list: [] }, extra: 1 })).toBe('(top level): Unrecognized key: "extra"');
  expect(issueOf(5)).toBe('(top level): Invalid input: expected object, received number');
});

test('zodFieldPath', () => {
  expect(zodFieldPath([])).toBe('(top level)');
  expect(zodFieldPath(['a', 0, 'b'])).toBe('a.0.b');
});

test('property: one line, never the rejected value', () => {
  // A value of the wrong type: zod names its type, and firstZodIssue folds any line break of a custom rule.
  const value = fc.oneof(fc.integer({ min: 10_000 }), fc.array(fc.string({ minLength: 12 }), { minLength: 1 }), fc.boolean());
  fc.assert(
    fc.property(value, fc.string(), (v, rule) => {
      const line = issueOf({ name: v, nested: { list: [] } });
      expect(line).toMatch(/^name: /);
      expect(line).not.toMatch(/[\n\r]/);
      expect(line).not.toContain(JSON.stringify(v));
      const custom = z
        .string()
        .refine(() => false, rule || 'x')
        .safeParse('anything');
      expect(custom.success).toBe(false);
      if (!custom.success) expect(firstZodIssue(custom.error)).not.toMatch(/[\n\r]/);
    }),
  );
});
