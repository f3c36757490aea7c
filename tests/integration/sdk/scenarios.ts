import { NonRetriableError } from 'inngest';
import { silentLogger } from '../../../core/ports/logger';
import { loadSettings } from '../../../platform/settings';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { type SdkApp, startSdkApp } from '../../support/sdk-app';
import { StackClient } from '../../support/stack-client';

/** Hex, as the SDK's self-hosting needs (its registration token hashes the hex-decoded key). */
export const SDK_SIGNING_KEY = 'signkey-test-8f1c2e3d4b5a69788f1c2e3d4b5a69788f1c2e3d4b5a69788f1c2e3d4b5a6978';

/**
 * Functions written with the official Inngest SDK, served by a real app, run on a local stack (SPEC
 * section 4). Run once per backend.
 */
export function describeSdkFunctions(backend: string, backendEnv: () => Record<string, string>): void {
  describe(`SDK functions on ${backend}`, () => {
    let stack: LocalStack;
    let client: StackClient;
    const apps: SdkApp[] = [];
    let appCounter = 0;

    beforeAll(async () => {
      const config = loadSettings({
        PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0', RETRY_BASE: '100ms', RETRY_MAX: '400ms',
        SIGNING_KEY: SDK_SIGNING_KEY, EVENT_KEYS: 'test-key', STEPSTACK_NAMESPACE: `sdk-${process.pid}-${Date.now()}`,
        ...backendEnv(),
      });
      stack = await startLocalStack(config, { logger: silentLogger, leaseMs: 2_000 });
      client = new StackClient(stack.url);
    });

    afterAll(async () => {
      await Promise.all(apps.map((app) => app.close()));
      await stack?.stop();
    });

    /** A new app with its own id, synced through `POST /v1/apps`. */
    async function syncedApp(functions: Parameters<typeof startSdkApp>[0]['functions']): Promise<SdkApp & { id: string }> {
      appCounter += 1;
      const id = `app${appCounter}`;
      const app = await startSdkApp({ id, stackUrl: stack.url, signingKey: SDK_SIGNING_KEY, functions });
      apps.push(app);
      const synced = await client.api('POST', '/v1/apps', { url: app.url });
      if (synced.status !== 200) throw new Error(`sync failed: ${synced.status} ${JSON.stringify(synced.body)}`);
      return { ...app, id };
    }

    it('runs a chain of step.run calls, each output handed to the next, and shows the steps by the code\'s ids', async () => {
      // Prepare
      const calls: string[] = [];
      const app = await syncedApp((inngest) => [inngest.createFunction({ id: 'chain', triggers: [{ event: 'test/chain' }] }, async ({ event, step }) => {
        const a = await step.run('a', () => { calls.push('a'); return { n: (event.data as { n: number }).n + 1 }; });
        const b = await step.run('b', () => { calls.push('b'); return { n: a.n * 10 }; });
        const again = await step.run('b', () => { calls.push('b:1'); return b.n + 1; });
        return { total: again };
      })]);
      // Act
      const [eventId] = await client.sendOk({ name: 'test/chain', data: { n: 1 } });
      const run = await client.waitForRun(eventId!);
      // Assess
      expect(run).toMatchObject({ function_id: `${app.id}-chain`, status: 'Completed', output: { total: 21 } });
      expect(run.steps).toEqual({
        a: expect.objectContaining({ status: 'Completed', output: { n: 2 }, attempts: 1 }),
        b: expect.objectContaining({ status: 'Completed', output: { n: 20 } }),
        'b:1': expect.objectContaining({ status: 'Completed', output: 21 }),
      });
      expect(calls).toEqual(['a', 'b', 'b:1']);
    });

    it('fails the run at once on a NonRetriableError, with the error the code threw', async () => {
      // Prepare
      let tries = 0;
      const app = await syncedApp((inngest) => [inngest.createFunction({ id: 'fatal', retries: 3, triggers: [{ event: 'test/fatal' }] }, async ({ step }) => {
        await step.run('charge', () => { tries += 1; throw new NonRetriableError('card declined'); });
      })]);
      // Act
      const [eventId] = await client.sendOk({ name: 'test/fatal', data: {} });
      const run = await client.waitForRun(eventId!);
      // Assess
      expect(run).toMatchObject({ function_id: `${app.id}-fatal`, status: 'Failed' });
      expect(run.steps.charge).toMatchObject({ status: 'Failed', error: expect.stringContaining('card declined') });
      expect(run.reason).toContain('card declined');
      expect(tries).toBe(1);
    });
  });
}
