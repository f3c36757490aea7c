import { createDockerDriver } from '../../adapters/docker';
import { silentLogger } from '../../core/ports/logger';
import { loadSettings } from '../../platform/settings';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { StackClient } from '../support/stack-client';

/**
 * A work item that can never be processed (here: its Docker daemon is gone, a fault of the platform,
 * not of the step) is redelivered until it lands in the dead-letter queue, and its run is then
 * marked Failed with the reason.
 */
describe.each([
  ['in-memory queues', (): Record<string, string> => ({})],
  ['SQS queues', (): Record<string, string> => ({ SQS_ENDPOINT: process.env.STEPSTACK_TEST_SQS_ENDPOINT ?? '' })],
])('a dead-lettered work item on %s', (_label, backendEnv) => {
  let stack: LocalStack;

  beforeAll(async () => {
    const config = loadSettings({
      PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0', STEP_LEASE: '1s',
      STEPSTACK_NAMESPACE: `dlq-${process.pid}-${Date.now()}`, ...backendEnv(),
    });
    stack = await startLocalStack(config, {
      logger: silentLogger,
      drivers: { docker: createDockerDriver({ executorId: 'dead-daemon', socketPath: '/nonexistent/docker.sock' }) },
      functions: [{
        id: 'needs-docker', name: 'needs-docker', triggers: [{ event: 'test/docker' }],
        steps: { box: { runtime: { type: 'docker', image: 'stepstack-test/none:1' }, after: [{ step: '$trigger' }] } },
      }],
    });
  }, 30_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('marks the run Failed with the reason', async () => {
    // Prepare
    const client = new StackClient(stack.url);
    // Act
    const [eventId] = await client.sendOk({ name: 'test/docker', data: {} });
    const run = await client.waitForRun(eventId!, undefined, 45_000);
    // Assess
    expect(run.status).toBe('Failed');
    expect(run.reason).toMatch(/dead-letter/);
    expect(run.reason).toContain("step 'box'");
    expect(run.steps.box.attempts).toBe(0);
  }, 60_000);
});
