import { Inngest } from 'inngest';
import { fireCronTicks, noteCronRegistration } from '../../../core/services/cron';
import { silentLogger } from '../../../core/ports/logger';
import { verifySignature } from '../../../adapters/http-driver/signature';
import { loadSettings } from '../../../platform/settings';
import { type LocalStack, startLocalStack } from '../../../local/stack';
import { waitForQuiescence } from '../../support/quiescence';
import { StackClient, sleep } from '../../support/stack-client';
import { startStepServer } from '../../support/step-server';

const SIGNING_KEY = 'signkey-test-0123456789';

/**
 * The end-to-end suite of the local stack: events in over HTTP, steps as real HTTP calls, runs read
 * back through the core API. Run once per backend (in memory, Redis, Redis + SQS).
 */
export function describeEndToEnd(backend: string, backendEnv: () => Record<string, string>): void {
  describe(`end to end on ${backend}`, () => {
    let stack: LocalStack;
    let steps: Awaited<ReturnType<typeof startStepServer>>;
    let client: StackClient;
    let fnCounter = 0;
    /** Nothing else will happen: idle long enough to cover the slowest hand-off (an SQS long poll wakes within ~310 ms). */
    const quiet = (): Promise<void> => waitForQuiescence(stack.idle, { stableMs: backendEnv().SQS_ENDPOINT ? 1000 : 250 });

    beforeAll(async () => {
      steps = await startStepServer();
      const config = loadSettings({
        PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0', RETRY_BASE: '100ms', RETRY_MAX: '400ms',
        SIGNING_KEY, EVENT_KEYS: 'test-key,other-key', STEPSTACK_NAMESPACE: `e2e-${process.pid}-${Date.now()}`,
        ...backendEnv(),
      });
      stack = await startLocalStack(config, { logger: silentLogger, leaseMs: 2_000 });
      client = new StackClient(stack.url);
    });

    afterAll(async () => {
      await stack?.stop();
      await steps?.close();
    });

    /** Register a function with a unique id and trigger event; step runtimes point at the step server. */
    async function register(stepsSpec: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}): Promise<{ id: string; event: string }> {
      fnCounter += 1;
      const id = `fn-${fnCounter}`;
      const event = `test/${id}`;
      await client.putFunction({
        id,
        triggers: [{ event }],
        ...extra,
        steps: Object.fromEntries(Object.entries(stepsSpec).map(([stepId, spec]) => [
          stepId, { runtime: { type: 'http', url: `${steps.url}/${id}-${stepId}` }, ...spec },
        ])),
      });
      return { id, event };
    }

    it('runs a linear chain and shows every step output', async () => {
      // Prepare
      const fn = await register({ a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a' }] }, c: { after: [{ step: 'b' }] } });
      // Act
      const [eventId] = await client.sendOk({ name: fn.event, data: { n: 1 } });
      const run = await client.waitForRun(eventId!);
      // Assess
      expect(run.status).toBe('Completed');
      expect(Object.keys(run.steps).sort()).toEqual(['a', 'b', 'c']);
      expect(run.steps.a).toMatchObject({ status: 'Completed', attempts: 1, error: null, output: { status: 200, body: { step: `${fn.id}-a`, attempt: 0 } } });
      expect(run.output).toEqual({ c: { status: 200, body: { step: `${fn.id}-c`, attempt: 0 } } });
      const cInput = steps.calls.find((call) => call.step === `${fn.id}-c`)!.input;
      expect(cInput.event).toMatchObject({ name: fn.event, data: { n: 1 }, id: eventId });
      expect(Object.keys(cInput.steps).sort()).toEqual(['a', 'b']);
      expect(cInput.ctx).toEqual({ fn_id: fn.id, step_id: 'c', run_id: run.run_id, attempt: 0 });
      expect(run.ended_at).not.toBeNull();
    });

    it('follows `if` branches and skips the others', async () => {
      // Prepare
      const fn = await register({
        check: { after: [{ step: '$trigger' }] },
        pro: { after: [{ step: 'check', if: "event.data.plan == 'pro'" }] },
        free: { after: [{ step: 'check', if: "event.data.plan != 'pro'" }] },
      });
      // Act
      const [proEvent] = await client.sendOk({ name: fn.event, data: { plan: 'pro' } });
      const [freeEvent] = await client.sendOk({ name: fn.event, data: { plan: 'free' } });
      const proRun = await client.waitForRun(proEvent!);
      const freeRun = await client.waitForRun(freeEvent!);
      // Assess
      expect(proRun.steps.pro.status).toBe('Completed');
      expect(proRun.steps.free.status).toBe('Skipped');
      expect(freeRun.steps.pro.status).toBe('Skipped');
      expect(freeRun.steps.free.status).toBe('Completed');
      expect(steps.count(`${fn.id}-free`, proRun.run_id)).toBe(0);
    });

    it('fans out and fans in, running the joining step once', async () => {
      // Prepare
      const fn = await register({
        start: { after: [{ step: '$trigger' }] },
        left: { after: [{ step: 'start' }] },
        right: { after: [{ step: 'start' }] },
        join: { after: [{ step: 'left' }, { step: 'right' }] },
      });
      steps.behave(`${fn.id}-left`, () => ({ delayMs: 150 }));
      // Act
      const [eventId] = await client.sendOk({ name: fn.event, data: {} });
      const run = await client.waitForRun(eventId!);
      // Assess
      expect(run.status).toBe('Completed');
      expect(steps.count(`${fn.id}-join`, run.run_id)).toBe(1);
      const joinInput = steps.calls.find((call) => call.step === `${fn.id}-join`)!.input;
      expect(Object.keys(joinInput.steps).sort()).toEqual(['left', 'right', 'start']);
      expect(Object.keys(run.output)).toEqual(['join']);
    });

    it('retries a 5xx until it succeeds, keeping each error', async () => {
      // Prepare
      const fn = await register({ flaky: { after: [{ step: '$trigger' }] } });
      steps.behave(`${fn.id}-flaky`, (_call, nth) => (nth <= 2 ? { status: 503, body: { error: 'busy' } } : {}));
      // Act
      const [eventId] = await client.sendOk({ name: fn.event });
      const run = await client.waitForRun(eventId!);
      // Assess
      expect(run.status).toBe('Completed');
      expect(run.steps.flaky.attempts).toBe(3);
      expect(run.steps.flaky.errors).toHaveLength(2);
      expect(run.steps.flaky.errors[0].message).toContain('503');
      const attempts = steps.calls.filter((call) => call.step === `${fn.id}-flaky`).map((call) => call.input.ctx.attempt);
      expect(attempts).toEqual([0, 1, 2]);
    });

    it('fails at once on a 4xx', async () => {
      // Prepare
      const fn = await register({ strict: { after: [{ step: '$trigger' }] }, next: { after: [{ step: 'strict' }] } });
      steps.behave(`${fn.id}-strict`, () => ({ status: 422, body: { error: 'bad input' } }));
      // Act
      const [eventId] = await client.sendOk({ name: fn.event });
      const run = await client.waitForRun(eventId!);
      // Assess
      expect(run.status).toBe('Failed');
      expect(run.steps.strict).toMatchObject({ status: 'Failed', attempts: 1 });
      expect(run.steps.strict.error).toContain('422');
      expect(steps.count(`${fn.id}-strict`, run.run_id)).toBe(1);
      expect(steps.count(`${fn.id}-next`, run.run_id)).toBe(0);
    });

    it('starts runs only for events whose trigger expression holds', async () => {
      // Prepare
      fnCounter += 1;
      const id = `fn-${fnCounter}`;
      await client.putFunction({
        id, triggers: [{ event: `test/${id}`, expression: 'event.data.amount > 100' }],
        steps: { a: { runtime: { type: 'http', url: `${steps.url}/${id}-a` }, after: [{ step: '$trigger' }] } },
      });
      // Act
      const [small, big, missing] = await client.sendOk([
        { name: `test/${id}`, data: { amount: 5 } },
        { name: `test/${id}`, data: { amount: 500.5 } },
        { name: `test/${id}`, data: {} },
      ]);
      const [bigRun] = await client.waitForRuns(big!);
      await quiet();
      // Assess
      expect(bigRun.status).toBe('Completed');
      expect(await client.runsFor(small!)).toEqual([]);
      expect(await client.runsFor(missing!)).toEqual([]);
    });

    it('waits on an edge before running the child', async () => {
      // Prepare
      const fn = await register({ a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a', wait: '700ms' }] } });
      // Act
      const [eventId] = await client.sendOk({ name: fn.event });
      const waiting = await client.waitForRun(eventId!, (run) => run.steps.b?.status === 'Waiting');
      const run = await client.waitForRun(eventId!);
      // Assess
      expect(waiting.status).toBe('Running');
      const aDone = steps.calls.findIndex((call) => call.step === `${fn.id}-b`);
      expect(aDone).toBeGreaterThanOrEqual(0);
      const gap = Date.parse(run.ended_at) - Date.parse(run.run_started_at);
      expect(gap).toBeGreaterThanOrEqual(700);
      expect(run.status).toBe('Completed');
    });

    it('resumes an async edge on a matching event and not on another', async () => {
      // Prepare
      const openedName = `test/opened-${Date.now()}`;
      const fn = await register({
        send: { after: [{ step: '$trigger' }] },
        thank: { after: [{ step: 'send', async: { event: openedName, match: 'async.data.email == event.data.email', ttl: '1m' } }] },
      });
      // Act
      const [eventId] = await client.sendOk({ name: fn.event, data: { email: 'ada@example.com' } });
      await client.waitForRun(eventId!, (run) => run.steps.thank?.status === 'Waiting');
      const [otherOpen] = await client.sendOk({ name: openedName, data: { email: 'bob@example.com' } });
      await quiet();
      const stillWaiting = (await client.runsFor(eventId!))[0];
      const [openEvent] = await client.sendOk({ name: openedName, data: { email: 'ada@example.com' } });
      const run = await client.waitForRun(eventId!);
      // Assess
      expect(otherOpen).toBeDefined();
      expect(stillWaiting.steps.thank.status).toBe('Waiting');
      expect(run.status).toBe('Completed');
      const thankInput = steps.calls.find((call) => call.step === `${fn.id}-thank`)!.input;
      expect(thankInput.async).toMatchObject({ id: openEvent, data: { email: 'ada@example.com' } });
    });

    it('times out an async edge: skips without onTimeout, runs with async = null with it', async () => {
      // Prepare
      const skip = await register({
        a: { after: [{ step: '$trigger' }] },
        b: { after: [{ step: 'a', async: { event: 'test/never', ttl: '400ms' } }] },
      });
      const run = await register({
        a: { after: [{ step: '$trigger' }] },
        b: { after: [{ step: 'a', async: { event: 'test/never', ttl: '400ms', onTimeout: true } }] },
      });
      // Act
      const [skipEvent] = await client.sendOk({ name: skip.event });
      const [runEvent] = await client.sendOk({ name: run.event });
      const skipped = await client.waitForRun(skipEvent!);
      const ran = await client.waitForRun(runEvent!);
      // Assess
      expect(skipped.status).toBe('Completed');
      expect(skipped.steps.b.status).toBe('Skipped');
      expect(ran.steps.b.status).toBe('Completed');
      expect(steps.calls.find((call) => call.step === `${run.id}-b`)!.input.async).toBeNull();
    });

    it('cancels a run by event and by API', async () => {
      // Prepare
      const fn = await register(
        { a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a', wait: '1h' }] } },
        { cancel: [{ event: 'test/user.deleted', if: 'async.data.user == event.data.user' }] },
      );
      const [byEvent] = await client.sendOk({ name: fn.event, data: { user: 'u1' } });
      const [byApi] = await client.sendOk({ name: fn.event, data: { user: 'u2' } });
      const waitingRun = await client.waitForRun(byApi!, (run) => run.steps.b?.status === 'Waiting');
      await client.waitForRun(byEvent!, (run) => run.steps.b?.status === 'Waiting');
      // Act
      await client.sendOk({ name: 'test/user.deleted', data: { user: 'u1' } });
      const cancelledByEvent = await client.waitForRun(byEvent!);
      const apiAnswer = await client.api('POST', `/v1/runs/${waitingRun.run_id}/cancel`);
      // Assess
      expect(cancelledByEvent.status).toBe('Cancelled');
      expect(cancelledByEvent.steps.b.status).toBe('Cancelled');
      expect(apiAnswer.status).toBe(200);
      expect(apiAnswer.body.data.status).toBe('Cancelled');
      expect((await client.runsFor(byApi!))[0].status).toBe('Cancelled');
    });

    it('starts no new run when the same event id is sent twice', async () => {
      // Prepare
      const fn = await register({ a: { after: [{ step: '$trigger' }] } });
      const id = `dup-${Date.now()}`;
      // Act
      await client.sendOk({ name: fn.event, id, data: { n: 1 } });
      await client.waitForRun(id);
      await client.sendOk({ name: fn.event, id, data: { n: 2 } });
      await quiet();
      // Assess
      const runs = await client.runsFor(id);
      expect(runs).toHaveLength(1);
      expect(steps.calls.filter((call) => call.step === `${fn.id}-a`)).toHaveLength(1);
    });

    it('signs step requests so the step server can verify them', async () => {
      // Prepare
      const fn = await register({ a: { after: [{ step: '$trigger' }] } });
      // Act
      const [eventId] = await client.sendOk({ name: fn.event });
      await client.waitForRun(eventId!);
      // Assess
      const call = steps.calls.find((c) => c.step === `${fn.id}-a`)!;
      const header = String(call.headers['x-inngest-signature']);
      expect(header).toMatch(/^t=\d+&s=[0-9a-f]{64}$/);
      expect(verifySignature(header, call.raw, SIGNING_KEY, { nowSeconds: Math.floor(Date.now() / 1000), toleranceSeconds: 60 })).toBe(true);
      expect(verifySignature(header, call.raw, 'wrong-key', { nowSeconds: Math.floor(Date.now() / 1000), toleranceSeconds: 60 })).toBe(false);
    });

    it('runs a step once when its work item is delivered twice', async () => {
      // Prepare
      const fn = await register({ slow: { after: [{ step: '$trigger' }] }, next: { after: [{ step: 'slow' }] } });
      steps.behave(`${fn.id}-slow`, () => ({ delayMs: 400 }));
      const [eventId] = await client.sendOk({ name: fn.event });
      const running = await client.waitForRun(eventId!, (run) => run.steps.slow?.status === 'Running');
      const item = { format: 2 as const, kind: 'step' as const, runId: running.run_id, functionId: fn.id, stepId: 'slow', attempt: 0, dueAt: 0 };
      // Act
      await stack.engine.queue.send([{ body: item }, { body: item }]);
      const run = await client.waitForRun(eventId!);
      await stack.engine.queue.send([{ body: item }]);
      await quiet();
      // Assess
      expect(run.status).toBe('Completed');
      expect(steps.count(`${fn.id}-slow`, run.run_id)).toBe(1);
      expect(steps.count(`${fn.id}-next`, run.run_id)).toBe(1);
    });

    it('fires a cron trigger once per tick, also from two runners at once', async () => {
      // Prepare
      fnCounter += 1;
      const id = `fn-${fnCounter}`;
      const from = Date.UTC(2026, 0, 1, 9, 0, 30);
      const to = from + 3 * 60_000; // ticks at 9:01, 9:02, 9:03
      // The window is in the past: say the function was registered at its start (no earlier tick may
      // run); registering it through the API later keeps that first registration time.
      await noteCronRegistration(stack.engine.state, { id, name: id, triggers: [{ cron: '* * * * *' }], steps: {} }, from, stack.engine.retentionMs);
      await client.putFunction({
        id, triggers: [{ cron: '* * * * *' }],
        steps: { tick: { runtime: { type: 'http', url: `${steps.url}/${id}-tick` }, after: [{ step: '$trigger' }] } },
      });
      const functions = (await stack.catalog.list()).filter((fn) => fn.id === id);
      // Act
      await Promise.all([fireCronTicks(stack.engine, functions, from, to), fireCronTicks(stack.engine, functions, from, to)]);
      await fireCronTicks(stack.engine, functions, from + 60_000, to);
      // Assess (the stack's own cron service may also fire this function's tick of the current
      // minute while the test runs: only the window's ticks count)
      const windowTicks = (): number[] => steps.calls
        .filter((call) => call.step === `${id}-tick` && call.input.event.ts <= to).map((call) => call.input.event.ts).sort();
      const deadline = Date.now() + 10_000;
      while (windowTicks().length < 3 && Date.now() < deadline) await sleep(25);
      await quiet();
      expect(windowTicks()).toEqual([from + 30_000, from + 90_000, from + 150_000]);
      expect(steps.calls.find((call) => call.step === `${id}-tick`)!.input.event.name).toBe('inngest/scheduled.timer');
    });

    it('never fires a cron tick from before the function was registered through the API', async () => {
      // Prepare
      fnCounter += 1;
      const id = `fn-${fnCounter}`;
      const registered = Date.now();
      await client.putFunction({
        id, triggers: [{ cron: '* * * * *' }],
        steps: { tick: { runtime: { type: 'http', url: `${steps.url}/${id}-tick` }, after: [{ step: '$trigger' }] } },
      });
      const functions = (await stack.catalog.list()).filter((fn) => fn.id === id);
      const now = Date.now();
      // Act: a window of recent ticks (inside the 10-minute catch-up), all before the registration
      await fireCronTicks(stack.engine, functions, now - 5 * 60_000, now - 1_000);
      await quiet();
      // Assess (a tick of a minute that begins after the registration may fire from the stack's own
      // cron service; none from before it may)
      expect(functions).toHaveLength(1);
      const earlier = steps.calls.filter((call) => call.step === `${id}-tick` && call.input.event.ts < registered);
      expect(earlier).toEqual([]);
    });

    it('accepts events from the official inngest SDK unchanged', async () => {
      // Prepare
      const fn = await register({ a: { after: [{ step: '$trigger' }] } });
      const inngest = new Inngest({ id: 'sdk-test', baseUrl: stack.url, eventKey: 'test-key', isDev: false });
      // Act
      const { ids } = await inngest.send({ name: fn.event, data: { from: 'sdk' } });
      const run = await client.waitForRun(ids[0]!);
      // Assess
      expect(ids).toHaveLength(1);
      expect(run.status).toBe('Completed');
      expect((await client.api('GET', `/v1/events/${ids[0]}`)).body.data).toMatchObject({ name: fn.event, data: { from: 'sdk' } });
    });

    it('lists a dead-lettered event and runs it when it is sent again', async () => {
      // Prepare
      const fn = await register({ a: { after: [{ step: '$trigger' }] } });
      const dead = { name: fn.event, data: { lost: false }, id: `dead-${fn.id}`, ts: Date.now() };
      await stack.state.saveDeadEvent({ event: dead, deadAt: Date.now(), receiveCount: 5 }, 60_000);
      // Act
      const listed = await client.api('GET', '/v1/events?dead=true&limit=100');
      const resent = await client.api('POST', `/v1/events/${dead.id}/resend`);
      const run = await client.waitForRun(dead.id);
      const after = await client.api('GET', '/v1/events?dead=true&limit=100');
      const again = await client.api('POST', `/v1/events/${dead.id}/resend`);
      const badLimit = await client.api('GET', '/v1/events?dead=true&limit=0');
      // Assess
      expect(listed.status).toBe(200);
      expect(listed.body.data.find((event: { id: string }) => event.id === dead.id)).toMatchObject({ ...dead, dead: { receive_count: 5 } });
      expect(resent).toMatchObject({ status: 200, body: { data: { id: dead.id, resent: true } } });
      expect(run.status).toBe('Completed');
      expect(after.body.data.some((event: { id: string }) => event.id === dead.id)).toBe(false);
      expect(again.status).toBe(404);
      expect(badLimit.status).toBe(400);
    });
  });
}
