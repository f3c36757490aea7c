/** Unit tests need nothing running; integration tests start real servers (Redis, SQS, Docker). */
const transform = { '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] };
// cel-js and @middy ship ESM only: let swc turn them into CommonJS like our own sources.
const transformIgnorePatterns = ['/node_modules/(?!(@marcbachmann/cel-js|@middy)/)'];
const common = { transform, transformIgnorePatterns, testEnvironment: 'node' };

module.exports = {
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'], ...common },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      ...common,
      globalSetup: '<rootDir>/tests/harness/global-setup.ts',
      globalTeardown: '<rootDir>/tests/harness/global-teardown.ts',
    },
  ],
  testTimeout: 30000,
};
