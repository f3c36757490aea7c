/** Unit tests need nothing running; integration tests start real servers (Redis, SQS, Docker). */
const transform = { '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] };
// cel-js ships ESM only: let swc turn it into CommonJS like our own sources.
const transformIgnorePatterns = ['/node_modules/(?!@marcbachmann/cel-js/)'];
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
