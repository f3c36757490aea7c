import { type SdkApp, startSdkApp } from '../support/sdk-app';
import { StackClient, sleep } from '../support/stack-client';
import { StackProcess } from '../support/stack-process';
import { SDK_SIGNING_KEY } from './sdk/scenarios';

/**
 * The stack SIGKILLed while an SDK function's step runs in its app, then started again on the same
 * Redis and SQS: the run completes, and no `step.run` body whose result was saved runs again (the app
 * counts each body's runs).
 */
describe('the stack killed in the middle of an SDK function', () => {
  const redisUrl = process.env.STEPSTACK_TEST_REDIS_URL;
  const sqsEndpoint = process.env.STEPSTACK_TEST_SQS_ENDPOINT;
  let stack: StackProcess;
  let app: SdkApp;
  const runs: Record<string, number> = {};
  const count = (id: string): number => (runs[id] = (runs[id] ?? 0) + 1);

  beforeAll(async () => {
    if (!redisUrl || !sqsEndpoint) throw new Error('the harness did not start Redis and SQS (STEPSTACK_TEST_REDIS_URL, STEPSTACK_TEST_SQS_ENDPOINT)');
    stack = await StackProcess.create({
      REDIS_URL: redisUrl, SQS_ENDPOINT: sqsEndpoint, FUNCTIONS_DIR: '/nonexistent', SIGNING_KEY: SDK_SIGNING_KEY,
      STEPSTACK_NAMESPACE: `sdk-kill-${process.pid}-${Date.now()}`, STEP_LEASE: '2s', RETRY_BASE: '200ms',
    });
    app = await startSdkApp({
      id: 'crashy', stackUrl: stack.url, signingKey: SDK_SIGNING_KEY,
      functions: (inngest) => [inngest.createFunction({ id: 'order', triggers: [{ event: 'test/sdk-crash' }] }, async ({ step }) => {
        const charged = await step.run('charge', () => { count('charge'); return 'charged'; });
        const parts = await Promise.all(['pack', 'label'].map((id) => step.run(id, () => { count(id); return id; })));
        await step.run('slow', async () => {
          // The first run of this body outlives the stack that called it (unref: it keeps no test alive).
          if (count('slow') === 1) await new Promise((resolve) => setTimeout(resolve, 10_000).unref());
          return 'slow done';
        });
        await step.run('ship', () => { count('ship'); return 'shipped'; });
        return [charged, ...parts];
      })],
    });
  }, 30_000);

  afterAll(async () => {
    await stack?.stop();
    await app?.close();
  });

  it('completes the run after a restart; only the step interrupted before its result was saved runs again', async () => {
    // Prepare
    await stack.start();
    const client = new StackClient(stack.url);
    const synced = await client.api('POST', '/v1/apps', { url: app.url });
    expect(synced.status).toBe(200);
    const [eventId] = await client.sendOk({ name: 'test/sdk-crash', data: {} });
    const deadline = Date.now() + 15_000;
    while (!runs.slow && Date.now() < deadline) await sleep(20);
    // Act
    await stack.kill();
    await stack.start();
    const run = await client.waitForRun(eventId!, undefined, 40_000);
    // Assess
    expect(run).toMatchObject({ status: 'Completed', output: ['charged', 'pack', 'label'] });
    expect(runs).toEqual({ charge: 1, pack: 1, label: 1, slow: 2, ship: 1 });
  }, 60_000);
});
