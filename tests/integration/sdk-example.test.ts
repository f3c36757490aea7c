import { freePort } from '../support/free-port';
import { StackClient } from '../support/stack-client';
import { StackProcess } from '../support/stack-process';

/** `npm start` serves the example SDK app (examples/sdk-signup) and syncs it: its signup flow runs out of the box. */
describe('the example SDK app of npm start', () => {
  let stack: StackProcess;

  beforeAll(async () => {
    stack = await StackProcess.create({ EXAMPLES_PORT: String(await freePort()), FUNCTIONS_DIR: '/nonexistent' });
    await stack.start();
  }, 30_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('is synced at start, and its signup flow runs: parallel pair, sendEvent, sleep, waitForEvent', async () => {
    // Prepare
    const client = new StackClient(stack.url, 'dev');
    const deadline = Date.now() + 10_000;
    let apps: { id: string; functions: string[] }[] = [];
    while (Date.now() < deadline && apps.length === 0) {
      apps = (await client.api('GET', '/v1/apps')).body.data;
      if (apps.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Act
    const [eventId] = await client.sendOk({ name: 'user/signed.up', data: { email: 'ada@example.com', name: 'Ada' } });
    await client.waitForRun(eventId!, (run) => run.steps['email-verified']?.status === 'Waiting', 15_000);
    await client.sendOk({ name: 'user/email.verified', data: { email: 'ada@example.com' } });
    const run = await client.waitForRun(eventId!);
    const announced = await client.waitForRun(run.steps['announce-account'].output.ids[0]);
    // Assess
    expect(apps).toEqual([expect.objectContaining({ id: 'signup-example', functions: ['signup-example-signup-flow', 'signup-example-account-announcer'] })]);
    expect(run).toMatchObject({ function_id: 'signup-example-signup-flow', status: 'Completed', output: { verified: true, message: 'Welcome, Ada!' } });
    expect(Object.keys(run.steps)).toEqual(['create-account', 'build-profile', 'default-settings', 'announce-account', 'let-it-settle', 'email-verified', 'send-welcome']);
    expect(announced).toMatchObject({ function_id: 'signup-example-account-announcer', status: 'Completed', output: 'New account: user-ada-example-com' });
  }, 40_000);
});
