import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StackClient, sleep } from '../support/stack-client';
import { StackProcess } from '../support/stack-process';
import { startStepServer } from '../support/step-server';

/**
 * The stack SIGKILLed in the middle of a step, then started again on the same Redis and SQS: the run
 * completes, the interrupted step's side effect happens at most twice, every other step once.
 */
describe('an executor killed mid-step', () => {
  const redisUrl = process.env.STEPSTACK_TEST_REDIS_URL;
  const sqsEndpoint = process.env.STEPSTACK_TEST_SQS_ENDPOINT;
  let steps: Awaited<ReturnType<typeof startStepServer>>;
  let functionsDir: string;
  let stack: StackProcess;

  beforeAll(async () => {
    if (!redisUrl || !sqsEndpoint) throw new Error('the harness did not start Redis and SQS (STEPSTACK_TEST_REDIS_URL, STEPSTACK_TEST_SQS_ENDPOINT)');
    steps = await startStepServer();
    functionsDir = mkdtempSync(join(tmpdir(), 'stepstack-kill-'));
    writeFileSync(join(functionsDir, 'crashy.json'), JSON.stringify({
      id: 'crashy',
      triggers: [{ event: 'test/crash' }],
      steps: {
        before: { runtime: { type: 'http', url: `${steps.url}/before` }, after: [{ step: '$trigger' }] },
        slow: { runtime: { type: 'http', url: `${steps.url}/slow` }, after: [{ step: 'before' }] },
        left: { runtime: { type: 'http', url: `${steps.url}/left` }, after: [{ step: 'slow' }] },
        right: { runtime: { type: 'http', url: `${steps.url}/right` }, after: [{ step: 'slow' }] },
      },
    }));
    stack = await StackProcess.create({
      REDIS_URL: redisUrl, SQS_ENDPOINT: sqsEndpoint, FUNCTIONS_DIR: functionsDir,
      STEPSTACK_NAMESPACE: `kill-${process.pid}-${Date.now()}`, STEP_LEASE: '2s', RETRY_BASE: '200ms',
    });
  }, 30_000);

  afterAll(async () => {
    await stack?.stop();
    await steps?.close();
    if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
  });

  it('completes the run after a restart, with every child scheduled once', async () => {
    // Prepare
    await stack.start();
    const client = new StackClient(stack.url);
    steps.behave('slow', (_call, nth) => ({ delayMs: nth === 1 ? 10_000 : 100 }));
    const [eventId] = await client.sendOk({ name: 'test/crash', data: {} });
    const deadline = Date.now() + 15_000;
    while (steps.count('slow') === 0 && Date.now() < deadline) await sleep(20);
    // Act
    await stack.kill();
    await stack.start();
    const run = await client.waitForRun(eventId!, undefined, 30_000);
    // Assess
    expect(run.status).toBe('Completed');
    expect(steps.count('before', run.run_id)).toBe(1);
    // Killed before its output was saved, the step ran again after the restart: twice, never more.
    expect(steps.count('slow', run.run_id)).toBe(2);
    expect(steps.count('left', run.run_id)).toBe(1);
    expect(steps.count('right', run.run_id)).toBe(1);
  }, 60_000);
});
