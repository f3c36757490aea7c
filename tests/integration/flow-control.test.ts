import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harnessEnv } from '../support/harness-env';
import { StackClient, sleep } from '../support/stack-client';
import { StackProcess } from '../support/stack-process';
import { peakOf, startStepServer } from '../support/step-server';

type Steps = Awaited<ReturnType<typeof startStepServer>>;

/**
 * Flow control (SPEC section 3) end to end: events over HTTP, steps at a real HTTP server (which
 * counts how many run at once), runs and skips read back through the core API. On memory with one
 * stack; on Redis + SQS with two stack processes sharing the backends, events sent to both.
 */
function describeFlowControl(backend: string, options: { stacks: number; env: () => Record<string, string> }): void {
  describe(`flow control on ${backend}`, () => {
    let steps: Steps;
    let stacks: StackProcess[] = [];
    let clients: StackClient[] = [];
    let functionsDir: string;
    let fnCounter = 0;
    let sent = 0;

    beforeAll(async () => {
      steps = await startStepServer();
      functionsDir = mkdtempSync(join(tmpdir(), 'stepstack-flow-'));
      const env = { FUNCTIONS_DIR: functionsDir, STEPSTACK_NAMESPACE: `flow-${process.pid}-${Date.now()}`, STEP_LEASE: '1s', RETRY_BASE: '200ms', ...options.env() };
      stacks = await Promise.all(Array.from({ length: options.stacks }, () => StackProcess.create(env)));
      await Promise.all(stacks.map((stack) => stack.start()));
      clients = stacks.map((stack) => new StackClient(stack.url));
    }, 60_000);

    afterAll(async () => {
      await Promise.all(stacks.map((stack) => stack.stop()));
      await steps?.close();
      if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
    });

    /** The next client (events and calls alternate between the stacks). */
    const client = (): StackClient => clients[(sent += 1) % clients.length] as StackClient;

    async function register(flow: Record<string, unknown>, stepMs = 0): Promise<{ id: string; event: string }> {
      fnCounter += 1;
      const id = `flow-${fnCounter}`;
      const event = `test/${id}`;
      await client().putFunction({ id, triggers: [{ event }], steps: { work: { runtime: { type: 'http', url: `${steps.url}/${id}` }, after: [{ step: '$trigger' }] } }, ...flow });
      if (stepMs > 0) steps.behave(id, () => ({ delayMs: stepMs }));
      return { id, event };
    }

    async function sendAll(name: string, data: Record<string, unknown>[]): Promise<string[]> {
      const ids: string[] = [];
      for (const item of data) ids.push(...(await client().sendOk({ name, data: item })));
      return ids;
    }

    const waitAll = (ids: string[], timeoutMs = 30_000): Promise<any[][]> => Promise.all(ids.map((id) => client().waitForRuns(id, { timeoutMs })));

    async function skippedOf(eventId: string, timeoutMs = 15_000): Promise<unknown> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { body } = await client().api('GET', `/v1/events/${eventId}`);
        if (body.data?.skipped) return body.data.skipped;
        if (Date.now() > deadline) throw new Error(`event ${eventId} shows no skip: ${JSON.stringify(body)}`);
        await sleep(25);
      }
    }

    /** A counter's value summed over every stack's /metrics, for the series with these labels. */
    async function countedAcrossStacks(name: string, labels: Record<string, string>): Promise<number> {
      let sum = 0;
      for (const stack of stacks) {
        const text = await (await fetch(`${stack.url}/metrics`)).text();
        for (const line of text.split('\n')) {
          if (!line.startsWith(`${name}{`)) continue;
          if (Object.entries(labels).every(([label, value]) => line.includes(`${label}="${value}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
        }
      }
      return sum;
    }

    /** The first of `ids` to show a skip (polling them together; none left polling after). */
    async function firstSkipped(ids: string[], timeoutMs = 15_000): Promise<{ id: string; skipped: unknown }> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const id of ids) {
          const { body } = await client().api('GET', `/v1/events/${id}`);
          if (body.data?.skipped) return { id, skipped: body.data.skipped };
        }
        if (Date.now() > deadline) throw new Error(`none of ${ids.join(', ')} shows a skip`);
        await sleep(25);
      }
    }

    it('never runs more than 2 steps at once with concurrency 2, and completes all 20 runs', async () => {
      // Prepare
      const fn = await register({ concurrency: [{ limit: 2 }] }, 150);

      // Act
      const ids = await sendAll(fn.event, Array.from({ length: 20 }, (_, i) => ({ i })));
      const runs = (await waitAll(ids)).flat();

      // Assess
      expect(runs.map((run) => run.status)).toEqual(Array(20).fill('Completed'));
      expect(steps.count(fn.id)).toBe(20);
      expect(steps.peak(fn.id)).toBe(2);
      expect(await countedAcrossStacks('stepstack_flow_waits_total', { function_id: fn.id, kind: 'concurrency' })).toBeGreaterThan(0);
    }, 60_000);

    it('keeps per-key limits independent, and shares a scope env key across two functions', async () => {
      // Prepare
      const keyed = await register({ concurrency: [{ limit: 1, key: 'event.data.key' }] }, 100);
      const sharedA = await register({ concurrency: [{ limit: 2, key: 'event.data.tenant', scope: 'env' }] }, 100);
      const sharedB = await register({ concurrency: [{ limit: 2, key: 'event.data.tenant', scope: 'env' }] }, 100);

      // Act
      const ids = [
        ...(await sendAll(keyed.event, Array.from({ length: 9 }, (_, i) => ({ key: `k${i % 3}` })))),
        ...(await sendAll(sharedA.event, Array.from({ length: 4 }, () => ({ tenant: `t-${fnCounter}` })))),
        ...(await sendAll(sharedB.event, Array.from({ length: 4 }, () => ({ tenant: `t-${fnCounter}` })))),
      ];
      const runs = (await waitAll(ids)).flat();

      // Assess
      expect(runs.every((run) => run.status === 'Completed')).toBe(true);
      const keyedSpans = steps.spans.filter((span) => span.step === keyed.id);
      const peakOfKey = (key: string): number => peakOf(keyedSpans.filter((span) => span.call.input.event.data.key === key));
      expect(['k0', 'k1', 'k2'].map(peakOfKey)).toEqual([1, 1, 1]);
      expect(steps.peak(keyed.id)).toBeGreaterThan(1);
      const shared = steps.spans.filter((span) => span.step === sharedA.id || span.step === sharedB.id);
      expect(peakOf(shared)).toBe(2);
    }, 60_000);

    it('starts a lone key\'s run while another key has 1,000 runs waiting', async () => {
      // Prepare
      const fn = await register({ concurrency: [{ limit: 5, key: 'event.data.key' }] });
      steps.behave(fn.id, (call) => ({ delayMs: call.input.event.data.key === 'flood' ? 200 : 10 }));
      for (let i = 0; i < 10; i += 1) await client().sendOk(Array.from({ length: 100 }, (_, n) => ({ name: fn.event, data: { key: 'flood', n: i * 100 + n } })));

      // Act
      const [lone] = await client().sendOk({ name: fn.event, data: { key: 'lone' } });
      const run = await client().waitForRun(lone!, undefined, 30_000);

      // Assess
      expect(run.status).toBe('Completed');
      // Once its run exists, the lone key's step starts within seconds: no flooded key's line holds it back.
      const loneStart = steps.spans.find((span) => span.step === fn.id && span.call.input.event.data.key === 'lone')!.start;
      expect(loneStart - Date.parse(run.run_started_at)).toBeLessThan(5000);
      const floodDone = steps.spans.filter((span) => span.step === fn.id && span.call.input.event.data.key === 'flood' && span.end !== undefined).length;
      expect(floodDone).toBeLessThan(500);
    }, 90_000);

    it('starts throttled runs as GCRA says (5 per 2 s, burst 1), in order', async () => {
      // Prepare
      const fn = await register({ throttle: { limit: 5, period: '2s', burst: 1 } });

      // Act
      const ids = await client().sendOk(Array.from({ length: 8 }, (_, i) => ({ name: fn.event, data: { i } })));
      await waitAll(ids);

      // Assess
      const starts = steps.spans.filter((span) => span.step === fn.id).map((span) => span.start).sort((a, b) => a - b);
      expect(starts).toHaveLength(8);
      // At most limit + burst = 6 in any half-open window of one period.
      expect(Math.max(...starts.map((at) => starts.filter((other) => other >= at && other < at + 2000).length))).toBeLessThanOrEqual(6);
      // From idle two at once, then one per 400 ms: the eighth no sooner than 2.4 s after the first.
      expect(starts[1]! - starts[0]!).toBeLessThan(300);
      expect(starts[7]! - starts[0]!).toBeGreaterThanOrEqual(2350);
    }, 60_000);

    it('starts a high-priority run next among runs waiting on a throttle (1 per 4 s)', async () => {
      // Prepare
      const fn = await register({ throttle: { limit: 1, period: '4s' }, priority: { run: "event.data.tier == 'pro' ? 120 : 0" } });
      await client().sendOk({ name: fn.event, data: { n: 'first' } });
      const deadline = Date.now() + 15_000;
      while (steps.count(fn.id) === 0 && Date.now() < deadline) await sleep(10);
      await sendAll(fn.event, [{ n: 'w1' }, { n: 'w2' }]);
      // Both wait in the throttle's line (the next is released a second before its turn, 3 s after the first).
      while (await countedAcrossStacks('stepstack_flow_waits_total', { function_id: fn.id, kind: 'throttle' }) < 2 && Date.now() < deadline) await sleep(25);

      // Act
      const [pro] = await client().sendOk({ name: fn.event, data: { n: 'pro', tier: 'pro' } });
      const run = await client().waitForRun(pro!, undefined, 20_000);

      // Assess
      expect(run.status).toBe('Completed');
      // The two waiting runs start later, 4 s apart: the test does not wait for them.
      const started = steps.spans.filter((span) => span.step === fn.id).sort((a, b) => a.start - b.start);
      expect(started.map((span) => span.call.input.event.data.n)).toEqual(['first', 'pro']);
      expect(started[1]!.start - started[0]!.start).toBeGreaterThanOrEqual(3950);
    }, 60_000);

    it('skips the fourth event of a rate limit of 3 per minute, keeps it, and says why', async () => {
      // Prepare
      const fn = await register({ rateLimit: { limit: 3, period: '1m' } });

      // Act
      const ids = await sendAll(fn.event, [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
      // The fourth to reach the runner is over the limit (the event stream may reorder: SQS standard queues do).
      const skipped = await firstSkipped(ids);
      const started = ids.filter((id) => id !== skipped.id);
      const runs = (await waitAll(started)).flat();

      // Assess
      expect(skipped.skipped).toEqual([{ function_id: fn.id, reason: 'rate_limited' }]);
      expect(runs.map((run) => run.status)).toEqual(['Completed', 'Completed', 'Completed']);
      expect(await client().runsFor(skipped.id)).toEqual([]);
      expect((await client().api('GET', `/v1/events/${skipped.id}`)).body.data).toMatchObject({ id: skipped.id, name: fn.event });
      expect(await countedAcrossStacks('stepstack_flow_skips_total', { function_id: fn.id, reason: 'rate_limited' })).toBe(1);
    }, 60_000);

    it('starts one run with the last of five quick events (debounce)', async () => {
      // Prepare
      const fn = await register({ debounce: { period: '1s', key: 'event.data.user' } });

      // Act
      const ids = await client().sendOk(Array.from({ length: 5 }, (_, i) => ({ name: fn.event, data: { user: 'u', i } })));
      const [run] = await client().waitForRuns(ids[4]!, { timeoutMs: 20_000 });
      const skips = await Promise.all(ids.slice(0, 4).map((id) => skippedOf(id)));

      // Assess
      expect(run.status).toBe('Completed');
      expect(skips).toEqual(Array(4).fill([{ function_id: fn.id, reason: 'debounced' }]));
      for (const id of ids.slice(0, 4)) expect(await client().runsFor(id)).toEqual([]);
      expect(steps.spans.filter((span) => span.step === fn.id).map((span) => span.call.input.event.data.i)).toEqual([4]);
    }, 60_000);

    it('gives 25 events with maxSize 10 three runs of 10, 10 and 5 (the last on timeout), `events` in the step input', async () => {
      // Prepare
      const fn = await register({ batchEvents: { maxSize: 10, timeout: '2s' } });

      // Act
      const ids = await client().sendOk(Array.from({ length: 25 }, (_, i) => ({ name: fn.event, data: { i } })));
      const runs = (await waitAll(ids)).flat();

      // Assess
      expect(new Set(runs.map((run) => run.run_id)).size).toBe(3);
      const batches = steps.spans.filter((span) => span.step === fn.id).map((span) => span.call.input.events!.map((event) => event.data.i as number));
      expect(batches.map((batch) => batch.length).sort((a, b) => b - a)).toEqual([10, 10, 5]);
      expect(batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
      for (const batch of batches) expect(batch).toEqual([...batch].sort((a, b) => a - b));
      for (const span of steps.spans.filter((s) => s.step === fn.id)) expect(span.call.input.event.id).toBe(span.call.input.events![0]!.id);
    }, 60_000);

    it('gives steps of functions without batching `events` with their one event', async () => {
      // Prepare
      const fn = await register({});

      // Act
      const [id] = await client().sendOk({ name: fn.event, data: { one: true } });
      await client().waitForRun(id!);

      // Assess
      const input = steps.spans.find((span) => span.step === fn.id)!.call.input;
      expect(input.events).toEqual([input.event]);
    });

    it('starts the high-priority run first among those waiting for concurrency 1', async () => {
      // Prepare
      const fn = await register({ concurrency: [{ limit: 1 }], priority: { run: "event.data.tier == 'pro' ? 120 : 0" } }, 300);
      const [first] = await client().sendOk({ name: fn.event, data: { n: 'first' } });
      const deadline = Date.now() + 15_000;
      while (steps.count(fn.id) === 0 && Date.now() < deadline) await sleep(10);
      const waiting = await sendAll(fn.event, [{ n: 'w1' }, { n: 'w2' }, { n: 'w3' }]);
      await sleep(100);

      // Act
      const [pro] = await client().sendOk({ name: fn.event, data: { n: 'pro', tier: 'pro' } });
      await waitAll([first!, ...waiting, pro!]);

      // Assess
      expect(steps.spans.filter((span) => span.step === fn.id).map((span) => span.call.input.event.data.n).slice(0, 2)).toEqual(['first', 'pro']);
    }, 60_000);

    it('starts one run per idempotency value', async () => {
      // Prepare
      const fn = await register({ idempotency: 'event.data.order' });

      // Act
      const [first] = await client().sendOk({ name: fn.event, data: { order: 1 } });
      const [again] = await client().sendOk({ name: fn.event, data: { order: '1' } });
      // The event stream may deliver them in either order (SQS standard queues do): one starts the run.
      const skipped = await firstSkipped([first!, again!]);
      const started = skipped.id === first ? again! : first!;
      const run = await client().waitForRun(started);

      // Assess
      expect(skipped.skipped).toEqual([{ function_id: fn.id, reason: 'idempotent' }]);
      expect(await client().runsFor(skipped.id)).toEqual([]);
      expect(run.status).toBe('Completed');
    });

    it('skips while a singleton run runs (mode skip), and cancels it for the new one (mode cancel)', async () => {
      // Prepare
      const skip = await register({ singleton: { key: 'event.data.user', mode: 'skip' } }, 1500);
      const cancel = await register({ singleton: { key: 'event.data.user', mode: 'cancel' } }, 3000);

      // Act
      const [skipFirst] = await client().sendOk({ name: skip.event, data: { user: 'u' } });
      const [cancelFirst] = await client().sendOk({ name: cancel.event, data: { user: 'u' } });
      const deadline = Date.now() + 15_000;
      while ((steps.count(skip.id) === 0 || steps.count(cancel.id) === 0) && Date.now() < deadline) await sleep(10);
      const [skipSecond] = await client().sendOk({ name: skip.event, data: { user: 'u' } });
      const [cancelSecond] = await client().sendOk({ name: cancel.event, data: { user: 'u' } });
      const [cancelled] = await client().waitForRuns(cancelFirst!);
      const [replacing] = await client().waitForRuns(cancelSecond!, { timeoutMs: 20_000 });

      // Assess
      expect(await skippedOf(skipSecond!)).toEqual([{ function_id: skip.id, reason: 'singleton' }]);
      expect((await client().waitForRun(skipFirst!)).status).toBe('Completed');
      expect(cancelled).toMatchObject({ status: 'Cancelled', reason: expect.stringContaining('singleton') });
      expect(replacing.status).toBe('Completed');
    }, 60_000);

    it('cancels runs past their start and finish timeouts, with the reason', async () => {
      // Prepare
      const finish = await register({ timeouts: { finish: '1s' } }, 10_000);
      const start = await register({ timeouts: { start: '1s' }, concurrency: 1 }, 3_000);

      // Act
      const [slow] = await client().sendOk({ name: finish.event, data: {} });
      const [holder, starved] = await client().sendOk([{ name: start.event, data: { n: 1 } }, { name: start.event, data: { n: 2 } }]);
      const finished = await client().waitForRun(slow!, undefined, 20_000);
      const [first, second] = [await client().waitForRun(holder!, undefined, 20_000), await client().waitForRun(starved!, undefined, 20_000)];

      // Assess
      expect(finished).toMatchObject({ status: 'Cancelled', reason: 'timeouts.finish: the run did not end within 1s of its first step starting' });
      const cancelledOne = [first, second].find((run) => run.status === 'Cancelled');
      expect(cancelledOne).toMatchObject({ reason: 'timeouts.start: no step started within 1s of its event' });
      expect([first, second].filter((run) => run.status === 'Completed')).toHaveLength(1);
    }, 60_000);

    it('refuses bad values and combinations through PUT /v1/functions, naming the fields', async () => {
      // Act
      const combined = await client().api('PUT', '/v1/functions/refused', {
        triggers: [{ event: 'test/refused' }], steps: { a: { runtime: { type: 'http', url: `${steps.url}/a` }, after: [{ step: '$trigger' }] } },
        batchEvents: { maxSize: 10, timeout: '1s' }, debounce: { period: '1s' }, concurrency: [{ limit: 0 }],
      });

      // Assess
      expect(combined.status).toBe(400);
      expect(combined.body.error).toContain('batchEvents: cannot be combined with debounce');
      expect(combined.body.error).toContain('concurrency[0].limit: 0: must be a whole number from 1');
    });
  });
}

describeFlowControl('memory', { stacks: 1, env: () => ({}) });

describeFlowControl('Redis + SQS, two stack processes', {
  stacks: 2,
  env: () => ({ REDIS_URL: harnessEnv('STEPSTACK_TEST_REDIS_URL'), SQS_ENDPOINT: harnessEnv('STEPSTACK_TEST_SQS_ENDPOINT') }),
});

describe('concurrency slots held by a killed stack, on Redis + SQS', () => {
  let steps: Steps;
  let functionsDir: string;
  let doomed: StackProcess;
  let survivor: StackProcess;

  beforeAll(async () => {
    steps = await startStepServer();
    functionsDir = mkdtempSync(join(tmpdir(), 'stepstack-flow-kill-'));
    const env = {
      REDIS_URL: harnessEnv('STEPSTACK_TEST_REDIS_URL'), SQS_ENDPOINT: harnessEnv('STEPSTACK_TEST_SQS_ENDPOINT'), FUNCTIONS_DIR: functionsDir,
      STEPSTACK_NAMESPACE: `flow-kill-${process.pid}-${Date.now()}`, STEP_LEASE: '1s', RETRY_BASE: '200ms',
    };
    doomed = await StackProcess.create(env);
    survivor = await StackProcess.create(env);
  });

  afterAll(async () => {
    await doomed?.stop();
    await survivor?.stop();
    await steps?.close();
    if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
  });

  it('gives them back after its lease: every waiting run completes on the other stack, never more than the limit at once', async () => {
    // Prepare
    await doomed.start();
    const client = new StackClient(doomed.url);
    await client.putFunction({ id: 'slots', triggers: [{ event: 'test/slots' }], concurrency: [{ limit: 2 }], steps: { work: { runtime: { type: 'http', url: `${steps.url}/slots` }, after: [{ step: '$trigger' }] } } });
    // The first two calls hang until the kill; later ones (and the killed steps' second tries) are quick.
    steps.behave('slots', (_call, nth) => ({ delayMs: steps.count('slots') <= 2 && nth === 1 ? 60_000 : 100 }));
    const ids = await client.sendOk(Array.from({ length: 6 }, (_, i) => ({ name: 'test/slots', data: { i } })));
    const deadline = Date.now() + 20_000;
    while (steps.count('slots') < 2 && Date.now() < deadline) await sleep(20);

    // Act
    await doomed.kill();
    await survivor.start();
    const other = new StackClient(survivor.url);
    const runs = (await Promise.all(ids.map((id) => other.waitForRuns(id, { timeoutMs: 60_000 })))).flat();

    // Assess
    expect(runs.map((run) => run.status)).toEqual(Array(6).fill('Completed'));
    expect(new Set(steps.spans.filter((span) => span.end !== undefined && span.step === 'slots').map((span) => span.call.input.ctx.run_id)).size).toBe(6);
    expect(steps.peak('slots')).toBeLessThanOrEqual(2);
  }, 90_000);
});
