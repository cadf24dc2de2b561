// Tests are TypeScript, transpiled by @swc/jest (fast on 2 cores); type checking is
// `npm run check` (tsc --noEmit) once, not per test file. ts-jest would need TS < 7 and
// re-type-checks every file; swc keeps the test loop quick.
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] };
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/services/**/*.test.ts', '<rootDir>/scripts/**/*.test.ts', '<rootDir>/test/unit/**/*.test.ts'] },
    // Integration tests start real Consul / consul-template / nginx processes; run them one file at a time
    // (maxWorkers is global, so the CLI passes --runInBand via npm test) to keep a 2-core machine honest.
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
