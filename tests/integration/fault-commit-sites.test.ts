import { silentLogger } from '../../core/ports/logger';
import type { WorkItem } from '../../core/run/work-item';
import { loadSettings } from '../../platform/settings';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { FaultyQueue } from '../support/faulty-queue';
import { harnessEnv } from '../support/harness-env';
import { StackClient } from '../support/stack-client';
import { startStepServer } from '../support/step-server';

const isStep = (stepId: string, functionId?: string) => (item: WorkItem): boolean =>
  item.kind === 'step' && item.stepId === stepId && (functionId === undefined || item.functionId === functionId);

/**
 * The recovery rule at every commit site (issue 7): the step queue refuses the send right after a
 * change was committed, so the message that made the change comes back, finds it already committed,
 * and must send the work the run's state implies. Each run still ends as it should, and every step
 * whose output was saved ran exactly once.
 */
describe.each([
  ['memory', (): Record<string, string> => ({})],
  ['Redis', (): Record<string, string> => ({ REDIS_URL: harnessEnv('STEPSTACK_TEST_REDIS_URL') })],
])('a send refused after the commit, on %s state', (_label, backendEnv) => {
  let stack: LocalStack;
  let queue: FaultyQueue<WorkItem>;
  let steps: Awaited<ReturnType<typeof startStepServer>>;
  let client: StackClient;
  let fnCounter = 0;

  beforeAll(async () => {
    steps = await startStepServer();
    const config = loadSettings({
      PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0', RETRY_BASE: '100ms', RETRY_MAX: '200ms',
      STEPSTACK_NAMESPACE: `sites-${process.pid}-${Date.now()}`, ...backendEnv(),
    });
    stack = await startLocalStack(config, {
      logger: silentLogger, leaseMs: 1_000,
      wrapStepQueue: (inner) => (queue = new FaultyQueue(inner)),
    });
    client = new StackClient(stack.url);
  }, 30_000);

  afterAll(async () => {
    await stack?.stop();
    await steps?.close();
  });

  /** Register a function whose steps call the step server at `/<fn>-<step>`. */
  async function register(stepsSpec: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}): Promise<{ id: string; event: string }> {
    fnCounter += 1;
    const id = `sites-${fnCounter}`;
    await client.putFunction({
      id, triggers: [{ event: `test/${id}` }], ...extra,
      steps: Object.fromEntries(Object.entries(stepsSpec).map(([stepId, spec]) => [
        stepId, { runtime: { type: 'http', url: `${steps.url}/${id}-${stepId}` }, ...spec },
      ])),
    });
    return { id, event: `test/${id}` };
  }

  /** After the queue settled: each step ran exactly once for the run. */
  function expectEachRanOnce(fn: { id: string }, runId: string, stepIds: string[]): void {
    expect(Object.fromEntries(stepIds.map((id) => [id, steps.count(`${fn.id}-${id}`, runId)]))).toEqual(Object.fromEntries(stepIds.map((id) => [id, 1])));
  }

  it('start: the runner created the run, the first step\'s send failed, the redelivered event sends it', async () => {
    // Prepare
    const fn = await register({ a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a' }] } });
    const refused = queue.failSends(isStep('a', fn.id));
    // Act
    const [eventId] = await client.sendOk({ name: fn.event, data: {} });
    await refused;
    const run = await client.waitForRun(eventId!);
    await queue.settled();
    // Assess
    expect(run.status).toBe('Completed');
    expectEachRanOnce(fn, run.run_id, ['a', 'b']);
  });

  it('step outcome: a fan-out committed, the send of the child not run in place failed, the redelivery sends it', async () => {
    // Prepare
    const fn = await register({
      a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a' }] }, c: { after: [{ step: 'a' }] }, d: { after: [{ step: 'b' }, { step: 'c' }] },
    });
    // One child is leased to the committing executor, the other is sent: whichever it is, its send fails.
    const refused = queue.failSends((item) => isStep('b', fn.id)(item) || isStep('c', fn.id)(item));
    // Act
    const [eventId] = await client.sendOk({ name: fn.event, data: {} });
    await refused;
    const run = await client.waitForRun(eventId!);
    await queue.settled();
    // Assess
    expect(run.status).toBe('Completed');
    expectEachRanOnce(fn, run.run_id, ['a', 'b', 'c', 'd']);
  });

  it('step outcome: a retry committed, its send failed, the redelivery sends the next attempt', async () => {
    // Prepare
    const fn = await register({ flaky: { after: [{ step: '$trigger' }] }, after: { after: [{ step: 'flaky' }] } });
    steps.behave(`${fn.id}-flaky`, (_call, nth) => (nth === 1 ? { status: 503 } : {}));
    const refused = queue.failSends((item) => item.kind === 'step' && item.functionId === fn.id && item.stepId === 'flaky' && item.attempt === 1);
    // Act
    const [eventId] = await client.sendOk({ name: fn.event, data: {} });
    await refused;
    const run = await client.waitForRun(eventId!);
    await queue.settled();
    // Assess
    expect(run.status).toBe('Completed');
    expect(run.steps.flaky.attempts).toBe(2);
    expect(steps.count(`${fn.id}-flaky`, run.run_id)).toBe(2);
    expectEachRanOnce(fn, run.run_id, ['after']);
  });

  it('resume: an event resumed a paused run, the send of the step failed, the redelivered event sends it', async () => {
    // Prepare
    const resumeName = `test/resume-${fnCounter + 1}`;
    // A short ttl: the queue settles once its timer came due and found nothing to do.
    const fn = await register({
      a: { after: [{ step: '$trigger' }] },
      b: { after: [{ step: 'a', async: { event: resumeName, match: 'async.data.id == event.data.id', ttl: '2s' } }] },
    });
    const [eventId] = await client.sendOk({ name: fn.event, data: { id: 'r1' } });
    await client.waitForRun(eventId!, (run) => run.steps.b?.status === 'Waiting');
    const refused = queue.failSends(isStep('b', fn.id));
    // Act
    await client.sendOk({ name: resumeName, data: { id: 'r1' } });
    await refused;
    const run = await client.waitForRun(eventId!);
    await queue.settled();
    // Assess
    expect(run.status).toBe('Completed');
    expect(run.steps.b.status).toBe('Completed');
    expectEachRanOnce(fn, run.run_id, ['a', 'b']);
  });

  it('timer: a wait came due, the send of the step it released failed, the redelivered timer sends it', async () => {
    // Prepare
    const fn = await register({ a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a', wait: '300ms' }] } });
    const refused = queue.failSends(isStep('b', fn.id));
    // Act
    const [eventId] = await client.sendOk({ name: fn.event, data: {} });
    await refused;
    const run = await client.waitForRun(eventId!);
    await queue.settled();
    // Assess
    expect(run.status).toBe('Completed');
    expectEachRanOnce(fn, run.run_id, ['a', 'b']);
  });

  it('cancel by event: the cancel committed, the same event\'s other send failed, the redelivery sends nothing for the cancelled run', async () => {
    // Prepare
    const cancelName = `test/cancel-${fnCounter + 1}`;
    const fn = await register(
      { a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a', wait: '600ms' }] } },
      { cancel: [{ event: cancelName, if: 'async.data.id == event.data.id' }] },
    );
    // The cancelling event also starts a run of another function: the send of its first step fails.
    fnCounter += 1;
    const other = { id: `sites-${fnCounter}` };
    await client.putFunction({
      id: other.id, triggers: [{ event: cancelName }],
      steps: { only: { runtime: { type: 'http', url: `${steps.url}/${other.id}-only` }, after: [{ step: '$trigger' }] } },
    });
    const [eventId] = await client.sendOk({ name: fn.event, data: { id: 'c1' } });
    await client.waitForRun(eventId!, (run) => run.steps.b?.status === 'Waiting');
    const refused = queue.failSends(isStep('only', other.id));
    // Act
    const [cancelId] = await client.sendOk({ name: cancelName, data: { id: 'c1' } });
    await refused;
    const [otherRun] = await client.waitForRuns(cancelId!);
    await queue.settled();
    const run = await client.waitForRun(eventId!);
    // Assess
    expect(run.status).toBe('Cancelled');
    expect(run.steps.b.status).not.toBe('Completed');
    expect(steps.count(`${fn.id}-b`, run.run_id)).toBe(0);
    expectEachRanOnce(fn, run.run_id, ['a']);
    expect(otherRun.status).toBe('Completed');
    expectEachRanOnce(other, otherRun.run_id, ['only']);
  });

  it('cancel by API: needs no send; a second call answers the same; the timer due later finds nothing to do', async () => {
    // Prepare
    const fn = await register({ a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a', wait: '400ms' }] } });
    const [eventId] = await client.sendOk({ name: fn.event, data: {} });
    const waiting = await client.waitForRun(eventId!, (run) => run.steps.b?.status === 'Waiting');
    // Any send for this run from now on fails: cancelling must not need one.
    void queue.failSends((item) => item.runId === waiting.run_id, 100);
    // Act
    const first = await client.api('POST', `/v1/runs/${waiting.run_id}/cancel`);
    const second = await client.api('POST', `/v1/runs/${waiting.run_id}/cancel`);
    await queue.settled();
    const run = await client.waitForRun(eventId!);
    // Assess
    expect(first.status).toBe(200);
    expect(first.body.data.status).toBe('Cancelled');
    expect(second.body.data).toEqual(first.body.data);
    expect(run.status).toBe('Cancelled');
    expect(steps.count(`${fn.id}-b`, run.run_id)).toBe(0);
    expect(queue.refused.filter((bodies) => bodies.some((item) => item.runId === waiting.run_id))).toEqual([]);
  });

  it('batch: a full batch\'s run was created, the first step\'s send failed, the redelivered event finds the batch again and sends it', async () => {
    // Prepare
    const fn = await register({ a: { after: [{ step: '$trigger' }] } }, { batchEvents: { maxSize: 3, timeout: '1s' } });
    const refused = queue.failSends(isStep('a', fn.id));
    // Act
    const eventIds = await client.sendOk([0, 1, 2].map((i) => ({ name: fn.event, data: { i } })));
    await refused;
    const run = await client.waitForRun(eventIds[2]!);
    await queue.settled();
    // Assess
    expect(run.status).toBe('Completed');
    for (const eventId of eventIds) expect((await client.runsFor(eventId)).map((linked) => linked.run_id)).toEqual([run.run_id]);
    expectEachRanOnce(fn, run.run_id, ['a']);
    expect(steps.calls.find((call) => call.step === `${fn.id}-a`)?.input.events?.map((event) => event.data.i)).toEqual([0, 1, 2]);
  });

  it('throttle: its timer released a waiting start, the send failed, the redelivered timer sends the same start', async () => {
    // Prepare
    const fn = await register({ a: { after: [{ step: '$trigger' }] } }, { throttle: { limit: 1, period: '2s' } });
    const [firstId] = await client.sendOk({ name: fn.event, data: {} });
    await client.waitForRun(firstId!);
    // The second waits in the throttle's line; its release (sent by the timer) is refused once.
    const refused = queue.failSends(isStep('a', fn.id));
    // Act
    const [secondId] = await client.sendOk({ name: fn.event, data: {} });
    await refused;
    const run = await client.waitForRun(secondId!);
    await queue.settled();
    // Assess
    expect(run.status).toBe('Completed');
    expectEachRanOnce(fn, run.run_id, ['a']);
    expect(queue.refused.flat().some((item) => item.kind === 'step' && item.runId === run.run_id)).toBe(true);
  });

  it('dead letter: an item whose every send failed reached the dead-letter queue, whose consumer re-sends the work (its own first send failing too)', async () => {
    // Prepare
    const fn = await register({ a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a' }] }, c: { after: [{ step: 'a' }] } });
    // Five deliveries of the item of `a` (the queue's receive budget), each failing to send, then the dead-letter consumer's first try.
    const refused = queue.failSends((item) => isStep('b', fn.id)(item) || isStep('c', fn.id)(item), 6);
    // Act
    const [eventId] = await client.sendOk({ name: fn.event, data: {} });
    await refused;
    const run = await client.waitForRun(eventId!, undefined, 20_000);
    // The item of `a` was moved to the dead-letter queue, never acknowledged on the step queue.
    await queue.settled({ left: 1 });
    // Assess
    expect(run.status).toBe('Completed');
    expectEachRanOnce(fn, run.run_id, ['a', 'b', 'c']);
  }, 30_000);
});
