// ESLint (flat config): typescript-eslint's recommended rules without type information (fast on 2 cores;
// `npm run check` already type-checks), Prettier owns formatting, and the import rules of docs/architecture.md
// ("Who may import whom") are rules here, so a wrong-way import fails `npm run lint` instead of a review.
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
// (A file gets one `no-restricted-imports` setting: where two config objects match it, the later one replaces the
// earlier, so each file below is matched by exactly one, except the one test that is given its own on purpose.)

/** The services (services/<name>/), each its own program and image. */
const SERVICES = ['consul-demo', 'workshop-api', 'lab-view', 'enrollment', 'inventory-db', 'registrator', 'inventory-client'];
const NO_SCRIPTS = { group: ['**/scripts/**'], message: 'services never import from scripts/' };
/** Every service but `self`; `namesOf`: services whose names.ts alone `self` may import (gitignore-style `!`). */
const otherServices = (self) => ({
  group: SERVICES.filter((s) => s !== self).map((s) => `**/${s}/**`),
  message: 'one service never imports another: share through services/shared',
});
/** scripts/ may import services/shared, and a service only through its names.ts (pure constants and naming rules). */
const SERVICE_BY_NAMES_ONLY = {
  group: ['**/services/*/**', '!**/services/shared/**', '!**/services/exercises/**', '!**/services/*/names'],
  message:
    'scripts/ import a service only through its names.ts (pure names and rules), never its internals; services/shared and services/exercises freely',
};
/** The benchmark: the one part of scripts/ that may use the test harness. */
const BENCH = ['scripts/lib/bench/**/*.ts', 'scripts/bench.ts'];

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
  // services/shared: what every program needs once; it imports nothing else of ours.
  ...restrict('services/shared', [
    {
      group: ['**/scripts/**', '**/services/exercises/**', ...SERVICES.map((s) => `**/${s}/**`)],
      message: 'services/shared depends on nothing else of ours',
    },
  ]),
  // services/exercises: the curriculum (lab:check, the lab view's checklist); it builds on services/shared only.
  ...restrict('services/exercises', [
    { group: ['**/scripts/**', ...SERVICES.map((s) => `**/${s}/**`)], message: 'services/exercises imports services/shared only' },
  ]),
  // A service never imports scripts/ (its image holds services/ only) nor another service.
  ...SERVICES.flatMap((svc) => restrict(`services/${svc}`, [NO_SCRIPTS, otherServices(svc)])),
  // scripts/: services/shared, and a service only through its names.ts; the benchmark alone may use the test harness
  // (it starts real parts the same way the tests do).
  ...restrict('scripts', [SERVICE_BY_NAMES_ONLY], BENCH),
  { files: BENCH, ignores: ['**/*.test.ts'], rules: forbid([SERVICE_BY_NAMES_ONLY]) },
  // Code that talks to Consul and nothing else reaches it through the gateway (services/shared/consul: the client,
  // its watch, consulRequest / consulAnswer), never its own fetch. (Not every file: a Consul call cannot be told from
  // another HTTP call by its syntax; the lab view and lab:roster fetch the demo client's results and the page.)
  {
    files: [
      'services/enrollment/consulAcl.ts',
      'services/lab-view/collector.ts',
      'scripts/lib/consul/**/*.ts',
      'scripts/lib/classroom/{aclSetup,freeStudent,instructorClassroom}.ts',
      'scripts/lib/bench/breakdownProbe.ts',
    ],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'Consul goes through services/shared/consul (consulRequest, consulAnswer)' },
      ],
    },
  },
  prettier,
);
