// Tests are TypeScript, transformed by ts-jest in transpile-only mode (tsconfig has isolatedModules):
// type checking is `npm run check` (tsc --noEmit) once, not per test file, which keeps the loop quick on
// 2 cores. Why jest 29 + ts-jest rather than jest 30 / @swc/jest: those pull platform-specific optional
// packages (@swc/core-*, unrs-resolver bindings) that npm 11 insists on finding in the lock file, and
// `npm ci` then failed on machines whose registry lacks some platforms. ts-jest needs TypeScript < 7,
// which is why TypeScript is pinned to 5.9.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] };
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/services/**/*.test.ts', '<rootDir>/scripts/**/*.test.ts'] },
    // Integration tests start real Consul / consul-template / nginx processes. On a 2-core machine jest's
    // default is one worker, so their files run one at a time and timings stay honest.
    // offlineEnv: no test process ever reaches a public address (workshop-api's avatars default to GitHub's API).
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/harness/offlineEnv.ts'],
    },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], setupFiles: ['<rootDir>/test/harness/offlineEnv.ts'] },
  ],
};
