import { NonRetriableError, RetryAfterError } from 'inngest';
import { silentLogger } from '../../../core/ports/logger';
import { loadSettings } from '../../../platform/settings';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { type SdkApp, startSdkApp } from '../../support/sdk-app';
import { waitForQuiescence } from '../../support/quiescence';
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
    async function syncedApp(functions: Parameters<typeof startSdkApp>[0]['functions'], options: Partial<Parameters<typeof startSdkApp>[0]> = {}): Promise<SdkApp & { id: string }> {
      appCounter += 1;
      const id = `app${appCounter}`;
      const app = await startSdkApp({ id, stackUrl: stack.url, signingKey: SDK_SIGNING_KEY, functions, ...options });
      apps.push(app);
      const synced = await client.api('POST', '/v1/apps', { url: app.url });
      if (synced.status !== 200) throw new Error(`sync failed: ${synced.status} ${JSON.stringify(synced.body)}`);
      return { ...app, id };
    }

    it('syncs in band, lists the app, and replaces its functions on a re-sync', async () => {
      // Prepare
      const first = await startSdkApp({
        id: 'resync', stackUrl: stack.url, signingKey: SDK_SIGNING_KEY,
        functions: (inngest) => ['keep', 'drop'].map((id) => inngest.createFunction({ id, triggers: [{ event: `test/resync-${id}` }] }, async () => id)),
      });
      apps.push(first);
      const firstSync = await client.api('POST', '/v1/apps', { url: first.url });
      const second = await startSdkApp({
        id: 'resync', stackUrl: stack.url, signingKey: SDK_SIGNING_KEY,
        functions: (inngest) => ['keep', 'new'].map((id) => inngest.createFunction({ id, triggers: [{ event: `test/resync-${id}` }] }, async () => `${id}-v2`)),
      });
      apps.push(second);
      // Act
      const secondSync = await client.api('POST', '/v1/apps', { url: second.url });
      const listed = await client.api('GET', '/v1/apps');
      const functions = (await client.api('GET', '/v1/functions')).body.data.map((fn: { id: string }) => fn.id);
      const [eventId] = await client.sendOk({ name: 'test/resync-keep', data: {} });
      const run = await client.waitForRun(eventId!);
      // Assess
      expect(firstSync).toMatchObject({ status: 200, body: { data: { id: 'resync', functions: ['resync-keep', 'resync-drop'] } } });
      expect(secondSync).toMatchObject({ status: 200, body: { data: { id: 'resync', url: second.url, functions: ['resync-keep', 'resync-new'] } } });
      expect(listed.body.data).toContainEqual({ id: 'resync', url: second.url, functions: ['resync-keep', 'resync-new'], synced_at: expect.any(String), sdk: expect.stringMatching(/^js:v4/), framework: 'nodejs' });
      expect(functions).toEqual(expect.arrayContaining(['resync-keep', 'resync-new']));
      expect(functions).not.toContain('resync-drop');
      expect(run.output).toBe('keep-v2');
    });

    it('takes an app that registers itself (PUT on its serve URL), and falls back to that when in-band is refused', async () => {
      // Prepare
      const selfRegistering = await startSdkApp({
        id: 'oob', stackUrl: stack.url, signingKey: SDK_SIGNING_KEY,
        functions: (inngest) => [inngest.createFunction({ id: 'hello', triggers: [{ event: 'test/oob' }] }, async () => 'hi')],
      });
      const refusing = await startSdkApp({
        id: 'oob-fallback', stackUrl: stack.url, signingKey: SDK_SIGNING_KEY, outOfBandOnly: true,
        functions: (inngest) => [inngest.createFunction({ id: 'hello', triggers: [{ event: 'test/oob-fallback' }] }, async () => 'hi again')],
      });
      apps.push(selfRegistering, refusing);
      // Act
      const put = await fetch(selfRegistering.url, { method: 'PUT' });
      const putBody = await put.json() as { message?: string };
      const fallback = await client.api('POST', '/v1/apps', { url: refusing.url });
      const listed = (await client.api('GET', '/v1/apps')).body.data.map((app: { id: string }) => app.id);
      const [eventId] = await client.sendOk({ name: 'test/oob', data: {} });
      const run = await client.waitForRun(eventId!);
      // Assess
      expect({ status: put.status, putBody }).toMatchObject({ status: 200 });
      expect(fallback).toMatchObject({ status: 200, body: { data: { id: 'oob-fallback', functions: ['oob-fallback-hello'] } } });
      expect(listed).toEqual(expect.arrayContaining(['oob', 'oob-fallback']));
      expect(run).toMatchObject({ status: 'Completed', output: 'hi' });
    });

    it('refuses a registration whose bearer token does not match, and an app whose signing key differs', async () => {
      // Prepare
      const otherKey = 'signkey-test-00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
      const stranger = await startSdkApp({
        id: 'stranger', stackUrl: stack.url, signingKey: otherKey,
        functions: (inngest) => [inngest.createFunction({ id: 'nope', triggers: [{ event: 'test/stranger' }] }, async () => 'no')],
      });
      apps.push(stranger);
      // Act
      const direct = await fetch(`${stack.url}/fn/register`, {
        method: 'POST', headers: { authorization: 'Bearer signkey-test-0000', 'content-type': 'application/json' },
        body: JSON.stringify({ appName: 'forged', url: 'http://127.0.0.1:9/api/inngest', functions: [] }),
      });
      const directBody = await direct.json();
      const put = await fetch(stranger.url, { method: 'PUT' });
      const sync = await client.api('POST', '/v1/apps', { url: stranger.url });
      const listed = (await client.api('GET', '/v1/apps')).body.data.map((app: { id: string }) => app.id);
      // Assess
      expect(direct.status).toBe(401);
      expect(directBody).toEqual({ status: 401, error: expect.stringContaining('SIGNING_KEY') });
      expect(put.status).not.toBe(200);
      expect(sync).toMatchObject({ status: 400, body: { status: 400, error: expect.stringContaining('INNGEST_SIGNING_KEY differs') } });
      expect(listed).not.toContain('stranger');
      expect(listed).not.toContain('forged');
    });

    it('deletes an app with its functions', async () => {
      // Prepare
      const app = await syncedApp((inngest) => [inngest.createFunction({ id: 'gone', triggers: [{ event: 'test/gone' }] }, async () => 'x')]);
      // Act
      const deleted = await client.api('DELETE', `/v1/apps/${app.id}`);
      const again = await client.api('DELETE', `/v1/apps/${app.id}`);
      const fn = await client.api('GET', `/v1/functions/${app.id}-gone`);
      // Assess
      expect(deleted).toMatchObject({ status: 200, body: { data: { id: app.id, deleted: true } } });
      expect(again).toMatchObject({ status: 404, body: { status: 404 } });
      expect(fn.status).toBe(404);
    });

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
    it('retries a step until it succeeds, counting attempts as the SDK does (retries: n is n + 1 attempts)', async () => {
      // Prepare
      let tries = 0;
      await syncedApp((inngest) => [inngest.createFunction({ id: 'flaky', retries: 2, triggers: [{ event: 'test/flaky' }] }, async ({ step }) => {
        const value = await step.run('flaky', () => {
          tries += 1;
          if (tries < 3) throw new Error(`try ${tries} failed`);
          return tries;
        });
        return value;
      })]);
      // Act
      const [eventId] = await client.sendOk({ name: 'test/flaky', data: {} });
      const run = await client.waitForRun(eventId!);
      // Assess
      expect(run).toMatchObject({ status: 'Completed', output: 3 });
      expect(run.steps.flaky).toMatchObject({ status: 'Completed', output: 3, attempts: 3 });
      expect(run.steps.flaky.errors.map((error: { message: string }) => error.message)).toEqual([expect.stringContaining('try 1 failed'), expect.stringContaining('try 2 failed')]);
    });

    it('fails the run when the last attempt fails too, and keeps each attempt\'s error', async () => {
      // Prepare
      let tries = 0;
      await syncedApp((inngest) => [inngest.createFunction({ id: 'doomed', retries: 1, triggers: [{ event: 'test/doomed' }] }, async ({ step }) => {
        await step.run('doomed', () => { tries += 1; throw new Error(`boom ${tries}`); });
      })]);
      // Act
      const [eventId] = await client.sendOk({ name: 'test/doomed', data: {} });
      const run = await client.waitForRun(eventId!);
      // Assess
      expect(run.status).toBe('Failed');
      expect(run.steps.doomed).toMatchObject({ status: 'Failed', error: expect.stringContaining('boom 2') });
      expect(tries).toBe(2);
    });

    it('waits as a RetryAfterError tells before the next attempt', async () => {
      // Prepare
      const at: number[] = [];
      await syncedApp((inngest) => [inngest.createFunction({ id: 'later', retries: 1, triggers: [{ event: 'test/later' }] }, async ({ step }) => step.run('later', () => {
        at.push(Date.now());
        if (at.length === 1) throw new RetryAfterError('busy', '1s');
        return 'ok';
      }))]);
      // Act
      const [eventId] = await client.sendOk({ name: 'test/later', data: {} });
      const run = await client.waitForRun(eventId!);
      // Assess
      expect(run).toMatchObject({ status: 'Completed', output: 'ok' });
      expect(at).toHaveLength(2);
      expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(900);
    });

    it('sleeps a few seconds, then goes on', async () => {
      // Prepare
      const at: Record<string, number> = {};
      await syncedApp((inngest) => [inngest.createFunction({ id: 'nap', triggers: [{ event: 'test/nap' }] }, async ({ step }) => {
        await step.run('before', () => { at.before = Date.now(); });
        await step.sleep('nap', '2s');
        await step.run('after', () => { at.after = Date.now(); });
        return 'rested';
      })]);
      // Act
      const [eventId] = await client.sendOk({ name: 'test/nap', data: {} });
      const run = await client.waitForRun(eventId!);
      // Assess
      expect(run).toMatchObject({ status: 'Completed', output: 'rested' });
      expect(run.steps.nap).toMatchObject({ status: 'Completed', output: null });
      expect(at.after! - at.before!).toBeGreaterThanOrEqual(1_900);
    });

    it('resumes step.waitForEvent with the matching event only, and with null when its timeout passes', async () => {
      // Prepare
      await syncedApp((inngest) => [inngest.createFunction({ id: 'approval', triggers: [{ event: 'test/order' }] }, async ({ event, step }) => {
        const timeout = (event.data as { timeout: string }).timeout;
        const approved = await step.waitForEvent('approved', { event: 'test/approved', match: 'data.order', timeout });
        return approved ? { by: (approved.data as { by: string }).by } : 'expired';
      })]);
      // Act
      const [matchedId] = await client.sendOk({ name: 'test/order', data: { order: 'o-1', timeout: '30s' } });
      const [expiringId] = await client.sendOk({ name: 'test/order', data: { order: 'o-2', timeout: '1s' } });
      await client.waitForRun(matchedId!, (run) => run.steps.approved?.status === 'Waiting');
      await client.sendOk({ name: 'test/approved', data: { order: 'o-other', by: 'nobody' } });
      await client.sendOk({ name: 'test/approved', data: { order: 'o-1', by: 'ada' } });
      const matched = await client.waitForRun(matchedId!);
      const expired = await client.waitForRun(expiringId!);
      // Assess
      expect(matched).toMatchObject({ status: 'Completed', output: { by: 'ada' } });
      expect(matched.steps.approved.output).toMatchObject({ name: 'test/approved', data: { order: 'o-1' } });
      expect(expired).toMatchObject({ status: 'Completed', output: 'expired' });
    });

    it('starts another function with step.sendEvent, through the Event API', async () => {
      // Prepare
      const received: unknown[] = [];
      await syncedApp((inngest) => [
        inngest.createFunction({ id: 'sender', triggers: [{ event: 'test/send' }] }, async ({ step }) => step.sendEvent('welcome', { name: 'test/welcome', data: { user: 'ada' } })),
        inngest.createFunction({ id: 'receiver', triggers: [{ event: 'test/welcome' }] }, async ({ event, step }) => step.run('greet', () => { received.push(event.data); return 'greeted'; })),
      ]);
      // Act
      const [eventId] = await client.sendOk({ name: 'test/send', data: {} });
      const sender = await client.waitForRun(eventId!);
      const sentId = (sender.output as { ids: string[] }).ids[0]!;
      const receiver = await client.waitForRun(sentId);
      // Assess
      expect(sender.status).toBe('Completed');
      expect(receiver).toMatchObject({ status: 'Completed', output: 'greeted' });
      expect(received).toEqual([{ user: 'ada' }]);
    });

    it('returns the invoked function\'s result from step.invoke, and a timeout error when it takes too long', async () => {
      // Prepare
      await syncedApp((inngest) => {
        const double = inngest.createFunction({ id: 'double', triggers: [{ event: 'test/never-sent' }] }, async ({ event }) => (event.data as { x: number }).x * 2);
        const slow = inngest.createFunction({ id: 'slow', triggers: [{ event: 'test/never-sent' }] }, async ({ step }) => { await step.sleep('long', '30s'); return 'late'; });
        return [double, slow, inngest.createFunction({ id: 'caller', triggers: [{ event: 'test/invoke' }] }, async ({ step }) => {
          const doubled = await step.invoke('call-double', { function: double, data: { x: 21 } });
          let late: unknown;
          try {
            late = await step.invoke('call-slow', { function: slow, data: {}, timeout: '1s' });
          } catch (error) {
            late = `timed out: ${(error as Error).name}`;
          }
          return { doubled, late };
        })];
      });
      // Act
      const [eventId] = await client.sendOk({ name: 'test/invoke', data: {} });
      const run = await client.waitForRun(eventId!);
      // Assess
      expect(run).toMatchObject({ status: 'Completed', output: { doubled: 42, late: expect.stringContaining('timed out') } });
      expect(run.steps['call-double']).toMatchObject({ status: 'Completed', output: 42 });
      expect(run.steps['call-slow']).toMatchObject({ status: 'Failed' });
    });

    it('runs Promise.all of three steps each on its own, then the step after them once', async () => {
      // Prepare
      const calls: string[] = [];
      await syncedApp((inngest) => [inngest.createFunction({ id: 'fan', triggers: [{ event: 'test/fan' }] }, async ({ step }) => {
        const parts = await Promise.all(['x', 'y', 'z'].map((id) => step.run(id, () => { calls.push(id); return id.toUpperCase(); })));
        const joined = await step.run('join', () => { calls.push('join'); return parts.join(''); });
        return joined;
      })]);
      // Act
      const [eventId] = await client.sendOk({ name: 'test/fan', data: {} });
      const run = await client.waitForRun(eventId!);
      // Assess
      expect(run).toMatchObject({ status: 'Completed', output: 'XYZ' });
      expect(Object.keys(run.steps).sort()).toEqual(['join', 'x', 'y', 'z']);
      expect([...calls].sort()).toEqual(['join', 'x', 'y', 'z']);
      expect(calls.at(-1)).toBe('join');
    });

    it('runs onFailure after the function failed, with the error it threw', async () => {
      // Prepare
      const failures: unknown[] = [];
      const app = await syncedApp((inngest) => [inngest.createFunction({
        id: 'fragile', retries: 0, triggers: [{ event: 'test/fragile' }],
        onFailure: async ({ error, event }: { error: Error; event: { data: unknown } }) => { failures.push({ message: error.message, fn: (event.data as { function_id: string }).function_id }); },
      }, async ({ step }) => { await step.run('break', () => { throw new Error('it broke'); }); })]);
      // Act
      const [eventId] = await client.sendOk({ name: 'test/fragile', data: {} });
      const run = await client.waitForRun(eventId!);
      const deadline = Date.now() + 10_000;
      while (failures.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      // Assess
      expect(run.status).toBe('Failed');
      expect(failures).toEqual([{ message: expect.stringContaining('it broke'), fn: `${app.id}-fragile` }]);
    });

    it('cancels a sleeping run on its cancelOn event, and only the matching one', async () => {
      // Prepare
      let woke = 0;
      await syncedApp((inngest) => [inngest.createFunction({
        id: 'sleeper', triggers: [{ event: 'test/sleeper' }], cancelOn: [{ event: 'test/stop', match: 'data.user' }],
      }, async ({ step }) => { await step.sleep('wait', '2s'); await step.run('wake', () => { woke += 1; }); })]);
      // Act
      const [cancelledId] = await client.sendOk({ name: 'test/sleeper', data: { user: 'u1' } });
      const [keptId] = await client.sendOk({ name: 'test/sleeper', data: { user: 'u2' } });
      await client.waitForRun(cancelledId!, (run) => run.steps.wait?.status === 'Waiting');
      await client.sendOk({ name: 'test/stop', data: { user: 'u1' } });
      const cancelled = await client.waitForRun(cancelledId!);
      const kept = await client.waitForRun(keptId!);
      // Assess
      expect(cancelled.status).toBe('Cancelled');
      expect(kept.status).toBe('Completed');
      expect(woke).toBe(1);
    });

    it('sends inngest/function.finished once per run end, which functions can trigger on', async () => {
      // Prepare
      const finished: unknown[] = [];
      await syncedApp((inngest) => [
        inngest.createFunction({ id: 'short', triggers: [{ event: 'test/short' }] }, async () => 'done'),
        inngest.createFunction({ id: 'watcher', triggers: [{ event: 'inngest/function.finished', if: "event.data.function_id.endsWith('-short')" }] }, async ({ event }) => { finished.push(event.data); }),
      ]);
      // Act
      const [eventId] = await client.sendOk({ name: 'test/short', data: {} });
      const run = await client.waitForRun(eventId!);
      const deadline = Date.now() + 10_000;
      while (finished.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      await waitForQuiescence(stack.idle, { stableMs: backendEnv().SQS_ENDPOINT ? 1000 : 250 });
      // Assess
      expect(run.status).toBe('Completed');
      expect(finished).toEqual([expect.objectContaining({ run_id: run.run_id, status: 'Completed', result: 'done' })]);
    });

    it('applies the SDK\'s flow control: concurrency 1 runs one step at a time, idempotency starts one run per key', async () => {
      // Prepare
      let running = 0;
      let most = 0;
      await syncedApp((inngest) => [
        inngest.createFunction({ id: 'serial', concurrency: 1, triggers: [{ event: 'test/serial' }] }, async ({ step }) => step.run('work', async () => {
          running += 1;
          most = Math.max(most, running);
          await new Promise((resolve) => setTimeout(resolve, 150));
          running -= 1;
          return 'worked';
        })),
        inngest.createFunction({ id: 'once', idempotency: 'event.data.order', triggers: [{ event: 'test/once' }] }, async () => 'ran'),
      ]);
      // Act
      const ids = await client.sendOk([1, 2, 3].map((n) => ({ name: 'test/serial', data: { n } })));
      const onceIds = await client.sendOk([{ name: 'test/once', data: { order: 'o-1' } }, { name: 'test/once', data: { order: 'o-1' } }]);
      const runs = await Promise.all(ids.map((id) => client.waitForRun(id, undefined, 20_000)));
      await client.waitForRun(onceIds[0]!);
      await waitForQuiescence(stack.idle, { stableMs: backendEnv().SQS_ENDPOINT ? 1000 : 250 });
      const second = await client.runsFor(onceIds[1]!);
      // Assess
      expect(runs.map((run) => run.status)).toEqual(['Completed', 'Completed', 'Completed']);
      expect(most).toBe(1);
      expect(second).toEqual([]);
    });

    it('reruns an SDK run from the start through the core API, as a new run of the same function and event', async () => {
      // Prepare
      let bodies = 0;
      await syncedApp((inngest) => [inngest.createFunction({ id: 'again', triggers: [{ event: 'test/again' }] }, async ({ step }) => {
        const n = await step.run('count', () => { bodies += 1; return bodies; });
        return { n };
      })]);
      const [eventId] = await client.sendOk({ name: 'test/again', data: {} });
      const first = await client.waitForRun(eventId!);
      // Act
      const rerun = await client.api('POST', `/v1/runs/${first.run_id}/rerun`, {});
      const fromStep = await client.api('POST', `/v1/runs/${first.run_id}/rerun`, { from_step: 'count' });
      const runs = await client.waitForRuns(eventId!, { count: 2 });
      // Assess
      expect(rerun).toMatchObject({ status: 200, body: { data: { rerun_of: first.run_id } } });
      expect(fromStep.status).toBe(400);
      expect(runs.map((run) => run.output)).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }]));
      expect(bodies).toBe(2);
    });

    it('serves through inngest/express as well', async () => {
      // Prepare
      await syncedApp((inngest) => [inngest.createFunction({ id: 'express', triggers: [{ event: 'test/express' }] }, async ({ step }) => {
        const a = await step.run('a', () => 1);
        const b = await step.run('b', () => a + 1);
        return b;
      })], { adapter: 'express' });
      // Act
      const [eventId] = await client.sendOk({ name: 'test/express', data: {} });
      const run = await client.waitForRun(eventId!);
      // Assess
      expect(run).toMatchObject({ status: 'Completed', output: 2 });
    });
  });
}
