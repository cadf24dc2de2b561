// Tests are TypeScript, transpiled by @swc/jest (fast on 2 cores); type checking is
// `npm run check` (tsc --noEmit) once, not per test file. ts-jest would need TS < 7 and
// re-type-checks every file; swc keeps the test loop quick.
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] };
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/services/**/*.test.ts', '<rootDir>/scripts/**/*.test.ts', '<rootDir>/test/unit/**/*.test.ts'] },
    // Integration tests start real Consul / consul-template / nginx processes. On a 2-core machine jest's
    // default is one worker, so their files run one at a time and timings stay honest.
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
