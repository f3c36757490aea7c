/** Where a server started by the integration harness is; fails naming the variable when it is not set. */
export function harnessEnv(name: 'STEPSTACK_TEST_REDIS_URL' | 'STEPSTACK_TEST_SQS_ENDPOINT'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run with --selectProjects integration`);
  return value;
}
