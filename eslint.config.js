// ESLint (flat config): typescript-eslint's recommended rules without type information (fast on 2 cores;
// `npm run check` already type-checks), Prettier owns formatting, and the import directions of
// ../shared/ARCHITECTURE.md are rules, so a wrong-way import fails `npm run lint` instead of a review.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const prettier = require('eslint-config-prettier');
const globals = require('globals');

/** `no-restricted-imports` patterns: import paths a folder must not use. */
const forbid = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const NO_TEST_HARNESS = { group: ['**/test/harness/**'], message: 'only tests and the benchmark import the test harness' };
/** A folder's import rules: for its code, plus "no test harness"; its tests may use the harness. */
const restrict = (dir, patterns, exempt = []) => [
  { files: [`${dir}/**/*.ts`], ignores: ['**/*.test.ts', ...exempt], rules: forbid([...patterns, NO_TEST_HARNESS]) },
  ...(patterns.length ? [{ files: [`${dir}/**/*.test.ts`], rules: forbid(patterns) }] : []),
];

module.exports = tseslint.config(
  { ignores: ['dist/**', '.tools/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...restrict('services/shared', [
    { group: ['**/scripts/**', '../consul-demo/**', '../workshop-api/**'], message: 'services/shared depends on nothing else of ours' },
  ]),
  ...restrict('services/consul-demo', [
    { group: ['**/scripts/**'], message: 'services never import from scripts/' },
    { group: ['**/workshop-api/**'], message: 'one service never imports another: share through services/shared' },
  ]),
  ...restrict('services/workshop-api', [
    { group: ['**/scripts/**'], message: 'services never import from scripts/' },
    { group: ['**/consul-demo/**'], message: 'one service never imports another: share through services/shared' },
  ]),
  // The enrollment service (its image holds services/ only: scripts/ would not even be there). Its app test alone may
  // read workshop-api's GitHub login rule, to check that the student name rule equals it (issue 20: one home for names).
  ...restrict('services/enrollment', [
    { group: ['**/scripts/**'], message: 'services never import from scripts/' },
    { group: ['**/consul-demo/**', '**/lab-view/**'], message: 'one service never imports another: share through services/shared' },
  ]),
  {
    files: ['services/enrollment/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: forbid([
      { group: ['**/scripts/**'], message: 'services never import from scripts/' },
      {
        group: ['**/consul-demo/**', '**/lab-view/**', '**/workshop-api/**'],
        message: 'one service never imports another: share through services/shared',
      },
      NO_TEST_HARNESS,
    ]),
  },
  // The benchmark may use the test harness (it starts real parts the same way the tests do).
  ...restrict('scripts', [], ['scripts/lib/bench/**', 'scripts/bench.ts']),
  prettier,
);
