import { createMemoryStateStore } from '../../adapters/memory/state-store';
import { compileFunction } from '../../core/functions/compile';
import type { StepstackEvent } from '../../core/events/event';
import { admitRun } from '../../core/flow/admit';
import { newId } from '../../core/ids';
import { fireCronTicks, noteCronRegistration } from '../../core/services/cron';
import { handleEvent } from '../../core/services/runner';
import { type FlowEngine, limitedFunction, startFlowEngine } from '../support/flow-engine';

const keyOf = (request: { input: { event: { data: Record<string, unknown> } } }): string => String(request.input.event.data.key ?? '');

describe('flow control on the memory engine', () => {
  let engine: FlowEngine;
  afterEach(async () => {
    await engine?.stop();
  });

  it('runs at most `limit` steps at once and completes every run (concurrency 2, 20 runs)', async () => {
    // Prepare
    engine = await startFlowEngine({ state: createMemoryStateStore(), driver: (counter) => counter.driver({ holdMs: () => 60 }) });
    await engine.register(limitedFunction('limited', { concurrency: [{ limit: 2 }] }));

    // Act
    const events = [];
    for (let i = 0; i < 20; i += 1) events.push(await engine.send('test/go', { i }));
    const runs = await engine.waitForRuns(events.map((event) => event.id), { count: 20 });

    // Assess
    expect(runs.map((run) => run.status)).toEqual(Array(20).fill('Completed'));
    expect(engine.counter.peaks.get('all')).toBe(2);
    expect(engine.counter.counts.filter((count) => count.name === 'flow_waits' && count.labels.kind === 'concurrency').length).toBeGreaterThan(0);
  });

  it('hands a chain\'s slot to its next step only when nobody waits (concurrency 2, chains of 3)', async () => {
    // Prepare
    engine = await startFlowEngine({ state: createMemoryStateStore(), driver: (counter) => counter.driver({ holdMs: () => 20 }) });
    const http = (id: string) => ({ type: 'http', url: `http://127.0.0.1:9/${id}` });
    await engine.register({
      id: 'chained', triggers: [{ event: 'test/chain' }], concurrency: 2,
      steps: { a: { runtime: http('a'), after: [{ step: '$trigger' }] }, b: { runtime: http('b'), after: [{ step: 'a' }] }, c: { runtime: http('c'), after: [{ step: 'b' }] } },
    });

    // Act
    const lone = await engine.send('test/chain', {});
    await engine.waitForRuns([lone.id], { count: 1 });
    const events = [];
    for (let i = 0; i < 10; i += 1) events.push(await engine.send('test/chain', { i }));
    const runs = await engine.waitForRuns(events.map((event) => event.id), { count: 10 });
    await engine.quiesce();

    // Assess
    expect(runs.every((run) => run.status === 'Completed')).toBe(true);
    expect(engine.counter.seen).toHaveLength(33);
    expect(engine.counter.peaks.get('all')).toBe(2);
    expect(await engine.state.flow.slotState('fn:chained:', Date.now())).toEqual({ holders: 0, waiting: 0 });
  });

  it('keeps per-key limits independent, and shares a scope env key across functions', async () => {
    // Prepare
    engine = await startFlowEngine({ state: createMemoryStateStore(), driver: (counter) => counter.driver({ holdMs: () => 50, label: keyOf }) });
    await engine.register(limitedFunction('per-key', { concurrency: [{ limit: 1, key: 'event.data.key' }] }, 'test/keyed'));
    await engine.register(limitedFunction('shared-a', { concurrency: [{ limit: 2, key: 'event.data.key', scope: 'env' }] }, 'test/shared'));
    await engine.register(limitedFunction('shared-b', { concurrency: [{ limit: 2, key: 'event.data.key', scope: 'env' }] }, 'test/shared'));

    // Act
    const keyed = [];
    for (let i = 0; i < 12; i += 1) keyed.push(await engine.send('test/keyed', { key: `k${i % 3}` }));
    const shared = [];
    for (let i = 0; i < 6; i += 1) shared.push(await engine.send('test/shared', { key: 'tenant' }));
    const runs = await engine.waitForRuns([...keyed, ...shared].map((event) => event.id), { count: 24 });

    // Assess
    expect(runs.every((run) => run.status === 'Completed')).toBe(true);
    expect(['k0', 'k1', 'k2'].map((key) => engine.counter.peaks.get(key))).toEqual([1, 1, 1]);
    expect(engine.counter.peaks.get('tenant')).toBe(2);
  });

  it('starts a lone key\'s step while another key has many waiting (fairness across keys)', async () => {
    // Prepare
    engine = await startFlowEngine({ state: createMemoryStateStore(), driver: (counter) => counter.driver({ holdMs: (request) => (keyOf(request) === 'flood' ? 200 : 10) }) });
    await engine.register(limitedFunction('fair', { concurrency: [{ limit: 2, key: 'event.data.key' }] }));
    for (let i = 0; i < 200; i += 1) await engine.send('test/go', { key: 'flood' });

    // Act
    const lone = await engine.send('test/go', { key: 'lone' });
    const [run] = await engine.waitForRuns([lone.id], { count: 1 });

    // Assess
    expect(run?.status).toBe('Completed');
    const floodDone = engine.counter.seen.filter((step) => keyOf(step) === 'flood' && step.endedAt !== undefined).length;
    expect(floodDone).toBeLessThan(20);
  });

  it('starts the waiting run of the highest priority first', async () => {
    // Prepare
    engine = await startFlowEngine({ state: createMemoryStateStore(), driver: (counter) => counter.driver({ holdMs: () => 80 }) });
    await engine.register(limitedFunction('prioritized', { concurrency: [{ limit: 1 }], priority: { run: 'event.data.vip ? 600 : 0' } }));
    const events = [await engine.send('test/go', { n: 'first' })];
    for (let i = 0; i < 4; i += 1) events.push(await engine.send('test/go', { n: `normal-${i}` }));

    // Act
    events.push(await engine.send('test/go', { n: 'vip', vip: true }));
    await engine.waitForRuns(events.map((event) => event.id), { count: 6 });

    // Assess
    const order = engine.counter.seen.map((step) => step.input.event.data.n);
    expect(order.slice(0, 2)).toEqual(['first', 'vip']);
  });
});

describe('flow-control gates on the memory engine', () => {
  let engine: FlowEngine;
  afterEach(async () => {
    await engine?.stop();
  });

  const start = async (flow: Record<string, unknown>, holdMs = 10): Promise<FlowEngine> => {
    engine = await startFlowEngine({ state: createMemoryStateStore(), driver: (counter) => counter.driver({ holdMs: () => holdMs }) });
    await engine.register(limitedFunction('gated', flow));
    return engine;
  };

  it('keeps cron runs from overlapping with a singleton', async () => {
    // Prepare
    await start({}, 2000);
    const definition = (await engine.state.getFunction('gated'))!;
    const cronned = { ...definition, id: 'cronned', triggers: [{ cron: '* * * * *' }], singleton: { mode: 'skip' as const } };
    await engine.state.putFunction(cronned);
    const now = Date.now();
    await noteCronRegistration(engine.state, cronned, now - 4 * 60_000, 600_000);

    // Act
    await fireCronTicks(engine.deps, [compileFunction(cronned)], now - 4 * 60_000, now);

    await engine.quiesce();

    // Assess
    const skips = engine.counter.counts.filter((count) => count.name === 'flow_skips' && count.labels.function_id === 'cronned');
    expect(engine.counter.seen.filter((step) => step.fnId === 'cronned')).toHaveLength(1);
    expect(skips.length).toBeGreaterThanOrEqual(2);
    expect(skips.every((skip) => skip.labels.reason === 'singleton')).toBe(true);
  });

  it('skips the fourth event of a rate limit of 3 per minute, keeping it and saying why', async () => {
    // Prepare
    await start({ rateLimit: { limit: 3, period: '1m', key: 'event.data.user' } });

    // Act
    const events = [];
    for (let i = 0; i < 4; i += 1) events.push(await engine.send('test/go', { user: 'u1' }));
    const other = await engine.send('test/go', { user: 'u2' });
    await engine.waitForRuns([...events, other].map((event) => event.id), { count: 4 });

    // Assess
    expect((await engine.runsOf(events[3]!.id))).toEqual([]);
    expect(await engine.state.getEvent(events[3]!.id)).toBeDefined();
    expect(await engine.state.flow.skipsOf(events[3]!.id)).toEqual([{ function_id: 'gated', reason: 'rate_limited' }]);
    expect((await engine.runsOf(other.id)).length).toBe(1);
    expect(engine.counter.counts).toContainEqual({ name: 'flow_skips', labels: { function_id: 'gated', reason: 'rate_limited' } });
  });

  it('starts one run per idempotency value', async () => {
    // Prepare
    await start({ idempotency: 'event.data.order' });

    // Act
    const first = await engine.send('test/go', { order: 7 });
    const again = await engine.send('test/go', { order: '7' });
    await engine.waitForRuns([first.id], { count: 1 });

    // Assess
    expect(await engine.runsOf(again.id)).toEqual([]);
    expect(await engine.state.flow.skipsOf(again.id)).toEqual([{ function_id: 'gated', reason: 'idempotent' }]);
  });

  it('skips while a singleton run runs (mode skip)', async () => {
    // Prepare
    await start({ singleton: { key: 'event.data.user', mode: 'skip' } }, 300);

    // Act
    const first = await engine.send('test/go', { user: 'u' });
    const second = await engine.send('test/go', { user: 'u' });
    const [run] = await engine.waitForRuns([first.id], { count: 1 });
    const third = await engine.send('test/go', { user: 'u' });
    await engine.waitForRuns([third.id], { count: 1 });

    // Assess
    expect(run?.status).toBe('Completed');
    expect(await engine.runsOf(second.id)).toEqual([]);
    expect(await engine.state.flow.skipsOf(second.id)).toEqual([{ function_id: 'gated', reason: 'singleton' }]);
  });

  it('cancels the running singleton run for the new one (mode cancel), with the reason', async () => {
    // Prepare
    await start({ singleton: { key: 'event.data.user', mode: 'cancel' } }, 400);

    // Act
    const first = await engine.send('test/go', { user: 'u' });
    await waitUntil(() => engine.counter.seen.length === 1);
    const second = await engine.send('test/go', { user: 'u' });
    const runs = await engine.waitForRuns([first.id, second.id], { count: 2 });

    // Assess
    const [cancelled, completed] = [runs.find((run) => run.eventId === first.id), runs.find((run) => run.eventId === second.id)];
    expect(cancelled).toMatchObject({ status: 'Cancelled', reason: expect.stringContaining('singleton') });
    expect(completed?.status).toBe('Completed');
  });

  it('starts one run with the last of five quick events (debounce)', async () => {
    // Prepare
    await start({ debounce: { period: '1s', key: 'event.data.user' } });

    // Act
    const events = [];
    for (let i = 0; i < 5; i += 1) events.push(await engine.send('test/go', { user: 'u', i }));
    const runs = await engine.waitForRuns([events[4]!.id], { count: 1 });
    await engine.quiesce();

    // Assess
    expect(runs.length).toBe(1);
    expect(engine.counter.seen.map((step) => step.input.event.data.i)).toEqual([4]);
    for (const event of events.slice(0, 4)) expect(await engine.state.flow.skipsOf(event.id)).toEqual([{ function_id: 'gated', reason: 'debounced' }]);
  });

  it('gives 25 events with maxSize 10 three runs of 10, 10 and 5, with `events` in the step input', async () => {
    // Prepare
    await start({ batchEvents: { maxSize: 10, timeout: '1s' } });

    // Act
    const events = [];
    for (let i = 0; i < 25; i += 1) events.push(await engine.send('test/go', { i }));
    const runs = await engine.waitForRuns(events.map((event) => event.id), { count: 3 });
    await engine.quiesce();

    // Assess
    expect(runs.length).toBe(3);
    const sizes = engine.counter.seen.map((step) => step.input.events?.map((event) => event.data.i));
    expect(sizes).toEqual(expect.arrayContaining([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], [20, 21, 22, 23, 24]]));
    expect(engine.counter.seen.every((step) => step.input.event.id === (step.input.events?.[0]?.id))).toBe(true);
    expect((await engine.runsOf(events[24]!.id)).length).toBe(1);
  });

  it('starts one run with every event of a full batch whose runner died before creating the run', async () => {
    // Prepare
    await start({ batchEvents: { maxSize: 3, timeout: '1m' } });
    const fn = compileFunction((await engine.state.getFunction('gated'))!);
    const events = [await engine.send('test/go', { i: 0 }), await engine.send('test/go', { i: 1 })];
    const last: StepstackEvent = { id: newId(), name: 'test/go', data: { i: 2 }, ts: Date.now() };
    events.push(last);
    // The runner takes the full batch and dies before the run exists.
    await engine.deps.state.saveEvent(last, engine.deps.retentionMs);
    expect(await admitRun(engine.deps, fn, last)).toMatchObject({ kind: 'batch' });

    // Act
    await handleEvent(engine.deps, last, { redelivered: true });
    const runs = await engine.waitForRuns(events.map((event) => event.id), { count: 1 });
    await handleEvent(engine.deps, events[1]!, { redelivered: true });
    await engine.quiesce();

    // Assess
    expect(runs).toHaveLength(1);
    for (const event of events) expect((await engine.runsOf(event.id)).map((run) => run.id)).toEqual([runs[0]!.id]);
    expect(engine.counter.seen.map((step) => step.input.events?.map((event) => event.data.i))).toEqual([[0, 1, 2]]);
  });

  it('starts the run of a batch taken on its timeout by a try that died, when the timer comes again', async () => {
    // Prepare
    await start({ batchEvents: { maxSize: 10, timeout: '1s' } });
    const events = [await engine.send('test/go', { i: 0 }), await engine.send('test/go', { i: 1 })];
    const batchId = (await engine.state.flow.addToBatch('bt:gated:', { event: events[0]!, batchId: 'unused', maxSize: 10, ttlMs: 60_000, keepMs: 60_000, now: Date.now() })).batchId;
    // A first delivery of the timer takes the batch and dies before the run exists.
    expect((await engine.state.flow.takeBatch('bt:gated:', { batchId, keepMs: 60_000, now: Date.now() }))?.events).toHaveLength(2);

    // Act
    const runs = await engine.waitForRuns(events.map((event) => event.id), { count: 1 });
    await engine.quiesce();

    // Assess
    expect(runs).toHaveLength(1);
    expect(engine.counter.seen.map((step) => step.input.events?.map((event) => event.data.i))).toEqual([[0, 1]]);
  });

  it('lets edge CEL read a batch\'s `events`, and a run of one event see it alone', async () => {
    // Prepare
    engine = await startFlowEngine({ state: createMemoryStateStore(), driver: (counter) => counter.driver({ holdMs: () => 5 }) });
    const http = (id: string) => ({ type: 'http', url: `http://127.0.0.1:9/${id}` });
    const steps = {
      first: { runtime: http('first'), after: [{ step: '$trigger', if: 'size(events) >= 1' }] },
      big: { runtime: http('big'), after: [{ step: 'first', if: 'size(events) == 3 && events[2].data.i == 2' }] },
    };
    await engine.register({ id: 'batched', triggers: [{ event: 'test/batch' }], batchEvents: { maxSize: 3, timeout: '10s' }, steps });
    await engine.register({ id: 'single', triggers: [{ event: 'test/single' }], steps });

    // Act
    const events = [];
    for (let i = 0; i < 3; i += 1) events.push(await engine.send('test/batch', { i }));
    const single = await engine.send('test/single', {});
    await engine.waitForRuns([events[0]!.id, single.id], { count: 2 });

    // Assess
    const ran = engine.counter.seen.map((step) => `${step.fnId}.${step.stepId}`).sort();
    expect(ran).toEqual(['batched.big', 'batched.first', 'single.first']);
  });

  it('spaces run starts as GCRA says (throttle 5 per 2 s, burst 1)', async () => {
    // Prepare
    await start({ throttle: { limit: 5, period: '2s', burst: 1 } });

    // Act
    const events = [];
    for (let i = 0; i < 6; i += 1) events.push(await engine.send('test/go', { i }));
    await engine.waitForRuns(events.map((event) => event.id), { count: 6 });

    // Assess
    const starts = engine.counter.seen.map((step) => step.startedAt).sort((a, b) => a - b);
    const offsets = starts.map((at) => at - starts[0]!);
    // Two at once, then one per 400 ms (1.6 s for the sixth).
    expect(offsets[1]).toBeLessThan(300);
    expect(offsets[2]).toBeGreaterThanOrEqual(350);
    expect(offsets[5]).toBeGreaterThanOrEqual(1550);
    expect(offsets[5]).toBeLessThan(2200);
  });

  it('keeps a throttled run in line when its event comes again, rather than starting it past the throttle', async () => {
    // Prepare
    await start({ throttle: { limit: 1, period: '2s' } });
    const first = await engine.send('test/go', { n: 1 });
    const second = await engine.send('test/go', { n: 2 });

    // Act
    await handleEvent(engine.deps, second, { redelivered: true });
    await engine.waitForRuns([first.id, second.id], { count: 2 });
    await engine.quiesce();

    // Assess
    const starts = engine.counter.seen.map((step) => step.startedAt).sort((a, b) => a - b);
    expect(starts).toHaveLength(2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(1950);
  });

  it('cancels a run whose step does not finish in time (timeouts.finish), with the reason', async () => {
    // Prepare
    await start({ timeouts: { finish: '1s' } }, 10_000);

    // Act
    const event = await engine.send('test/go', {});
    const [run] = await engine.waitForRuns([event.id], { count: 1 });

    // Assess
    expect(run).toMatchObject({ status: 'Cancelled', reason: 'timeouts.finish: the run did not end within 1s of its first step starting' });
    expect(run!.endedAt! - engine.counter.seen[0]!.startedAt).toBeLessThan(2000);
  });

  it('cancels a run whose first step could not start in time (timeouts.start), waiting for concurrency', async () => {
    // Prepare
    await start({ timeouts: { start: '1s' }, concurrency: 1 }, 3000);

    // Act
    const first = await engine.send('test/go', {});
    const second = await engine.send('test/go', {});
    const runs = await engine.waitForRuns([first.id, second.id], { count: 2, timeoutMs: 10_000 });

    // Assess
    expect(runs.find((run) => run.eventId === first.id)?.status).toBe('Completed');
    expect(runs.find((run) => run.eventId === second.id)).toMatchObject({ status: 'Cancelled', reason: 'timeouts.start: no step started within 1s of its event' });
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
