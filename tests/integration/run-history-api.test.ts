import { silentLogger } from '../../core/ports/logger';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { loadSettings } from '../../platform/settings';
import { harnessEnv } from '../support/harness-env';
import { waitForQuiescence } from '../support/quiescence';
import { StackClient } from '../support/stack-client';
import { startStepServer } from '../support/step-server';

/** The run history API of SPEC section 6 (list, filters, cursors, events, rerun, bulk cancel), on memory and on Redis. */
for (const backend of ['memory', 'redis'] as const) {
  describe(`run history API on ${backend}`, () => {
    let stack: LocalStack;
    let steps: Awaited<ReturnType<typeof startStepServer>>;
    let client: StackClient;
    let counter = 0;

    beforeAll(async () => {
      steps = await startStepServer();
      const config = loadSettings({
        PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0', RETRY_BASE: '100ms', RETRY_MAX: '400ms', EVENT_KEYS: 'test-key',
        STEPSTACK_NAMESPACE: `history-api-${process.pid}-${Date.now()}`,
        ...(backend === 'redis' ? { REDIS_URL: harnessEnv('STEPSTACK_TEST_REDIS_URL') } : {}),
      });
      stack = await startLocalStack(config, { logger: silentLogger, leaseMs: 2_000 });
      client = new StackClient(stack.url);
    });

    afterAll(async () => {
      await stack?.stop();
      await steps?.close();
    });

    async function register(spec: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}): Promise<{ id: string; event: string }> {
      counter += 1;
      const id = `hist-${counter}`;
      const event = `test/${id}`;
      await client.putFunction({
        id, triggers: [{ event }], retries: { attempts: 0 }, ...extra,
        steps: Object.fromEntries(Object.entries(spec).map(([stepId, step]) => [stepId, { runtime: { type: 'http', url: `${steps.url}/${id}-${stepId}` }, ...step }])),
      });
      return { id, event };
    }

    async function sendAndWait(event: string, data: Record<string, unknown>, done?: (run: any) => boolean): Promise<any> {
      const [eventId] = await client.sendOk({ name: event, data });
      return client.waitForRun(eventId!, done);
    }

    it('lists runs newest first, by function and status, without step outputs, page by page', async () => {
      // Prepare: 5 completed runs of one function, 2 failed of another
      const good = await register({ a: { after: [{ step: '$trigger' }] } });
      const bad = await register({ a: { after: [{ step: '$trigger' }] } });
      steps.behave(`${bad.id}-a`, () => ({ status: 400, body: { error: 'no' } }));
      const made: any[] = [];
      for (let n = 0; n < 5; n += 1) made.push(await sendAndWait(good.event, { n }));
      for (let n = 0; n < 2; n += 1) await sendAndWait(bad.event, { n });
      // Act
      const ofGood = await client.api('GET', `/v1/runs?function_id=${good.id}`);
      const failedOfBad = await client.api('GET', `/v1/runs?function_id=${bad.id}&status=Failed`);
      const completedOfBad = await client.api('GET', `/v1/runs?function_id=${bad.id}&status=Completed`);
      const pages: any[][] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: any } = await client.api('GET', `/v1/runs?function_id=${good.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        pages.push(page.body.data);
        cursor = page.body.metadata.next_cursor;
      } while (cursor);
      // Assess
      expect(ofGood.status).toBe(200);
      expect(ofGood.body.data.map((run: any) => run.run_id)).toEqual(made.map((run) => run.run_id).reverse());
      expect(ofGood.body.metadata).toEqual({ next_cursor: null });
      expect(ofGood.body.data[0]).toMatchObject({ function_id: good.id, status: 'Completed', rerun_of: null, steps: { a: { status: 'Completed', attempts: 1, error: null } } });
      expect(ofGood.body.data[0].steps.a).not.toHaveProperty('output');
      expect(ofGood.body.data[0]).not.toHaveProperty('output');
      expect(failedOfBad.body.data).toHaveLength(2);
      expect(failedOfBad.body.data.every((run: any) => run.status === 'Failed' && run.function_id === bad.id)).toBe(true);
      expect(completedOfBad.body.data).toEqual([]);
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
      expect(pages.flat().map((run) => run.run_id)).toEqual(ofGood.body.data.map((run: any) => run.run_id));
    });

    it('filters by start time (RFC 3339, inclusive) and refuses bad parameters, naming each', async () => {
      // Prepare
      const fn = await register({ a: { after: [{ step: '$trigger' }] } });
      const first = await sendAndWait(fn.event, { n: 1 });
      const second = await sendAndWait(fn.event, { n: 2 });
      // Act
      const fromSecond = await client.api('GET', `/v1/runs?function_id=${fn.id}&from=${second.run_started_at}`);
      const toFirst = await client.api('GET', `/v1/runs?function_id=${fn.id}&to=${first.run_started_at}`);
      const bad = await Promise.all(['limit=0', 'limit=101', 'status=Done', 'from=yesterday', 'to=2026-13-45', 'cursor=not-a-cursor'].map((query) => client.api('GET', `/v1/runs?${query}`)));
      // Assess
      expect(fromSecond.body.data.map((run: any) => run.run_id)).toEqual([second.run_id]);
      expect(toFirst.body.data.map((run: any) => run.run_id)).toEqual([first.run_id]);
      expect(bad.map((answer) => answer.status)).toEqual([400, 400, 400, 400, 400, 400]);
      expect(bad.map((answer) => String(answer.body.error).split(':')[0])).toEqual(['limit', 'limit', 'status', 'from', 'to', 'cursor']);
    });

    it('lists events by name, newest first, with cursors', async () => {
      // Prepare
      const fn = await register({ a: { after: [{ step: '$trigger' }] } });
      const ids: string[] = [];
      for (let n = 0; n < 3; n += 1) ids.push((await sendAndWait(fn.event, { n })).event_id);
      // Act
      const first = await client.api('GET', `/v1/events?name=${encodeURIComponent(fn.event)}&limit=2`);
      const second = await client.api('GET', `/v1/events?name=${encodeURIComponent(fn.event)}&limit=2&cursor=${first.body.metadata.next_cursor}`);
      // Assess
      expect(first.status).toBe(200);
      expect(first.body.data.map((event: any) => event.id)).toEqual([ids[2], ids[1]]);
      expect(first.body.data[0]).toMatchObject({ name: fn.event, data: { n: 2 } });
      expect(second.body.data.map((event: any) => event.id)).toEqual([ids[0]]);
      expect(second.body.metadata.next_cursor).toBeNull();
    });

    it('reruns a run from the start: a new run of the same event, rerun_of naming the first', async () => {
      // Prepare
      const fn = await register({ a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a' }] } });
      const original = await sendAndWait(fn.event, { n: 1 });
      // Act
      const answer = await client.api('POST', `/v1/runs/${original.run_id}/rerun`, {});
      const rerun = await client.waitForRuns(original.event_id, { count: 2 });
      // Assess
      expect(answer.status).toBe(200);
      expect(answer.body.data).toMatchObject({ function_id: fn.id, event_id: original.event_id, rerun_of: original.run_id });
      const again = rerun.find((run) => run.run_id === answer.body.data.run_id);
      expect(again).toMatchObject({ status: 'Completed', rerun_of: original.run_id, steps: { a: { attempts: 1 }, b: { attempts: 1 } } });
      expect(steps.count(`${fn.id}-a`, again.run_id)).toBe(1);
      expect(steps.count(`${fn.id}-b`, again.run_id)).toBe(1);
    });

    it('reruns a failed run from the failed step: keeps the outputs before it, runs it and what follows', async () => {
      // Prepare: a -> b -> c; b fails the first time
      const fn = await register({ a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a' }] }, c: { after: [{ step: 'b' }] } });
      let fixed = false;
      steps.behave(`${fn.id}-b`, () => (fixed ? {} : { status: 400, body: { error: 'bug' } }));
      const original = await sendAndWait(fn.event, { n: 1 });
      expect(original.status).toBe('Failed');
      fixed = true;
      // Act
      const answer = await client.api('POST', `/v1/runs/${original.run_id}/rerun`, { from_step: 'b' });
      const rerunId = answer.body.data.run_id;
      const rerun = (await client.waitForRuns(original.event_id, { count: 2 })).find((run) => run.run_id === rerunId);
      const unknownStep = await client.api('POST', `/v1/runs/${original.run_id}/rerun`, { from_step: 'nope' });
      const unknownField = await client.api('POST', `/v1/runs/${original.run_id}/rerun`, { from: 'b' });
      const unknownRun = await client.api('POST', '/v1/runs/no-such-run/rerun', {});
      // Assess
      expect(answer.status).toBe(200);
      expect(rerun).toMatchObject({ status: 'Completed', rerun_of: original.run_id });
      expect(rerun.steps.a).toMatchObject({ status: 'Completed', attempts: 0, output: original.steps.a.output });
      expect(rerun.steps.b).toMatchObject({ status: 'Completed', attempts: 1 });
      expect(rerun.steps.c).toMatchObject({ status: 'Completed', attempts: 1 });
      expect(steps.count(`${fn.id}-a`, rerunId)).toBe(0);
      expect(steps.count(`${fn.id}-b`, rerunId)).toBe(1);
      expect(unknownStep.status).toBe(400);
      expect(unknownStep.body.error).toMatch(/^from_step: "nope" is not a step of function .*: use one of a, b, c/);
      expect(unknownField.status).toBe(400);
      expect(unknownField.body.error).toMatch(/^body\.from: unknown field/);
      expect(unknownRun.status).toBe(404);
    });

    it('cancels in bulk the running runs of a function in a time window that match `if`', async () => {
      // Prepare: three runs waiting an hour before their step, one of another function
      const fn = await register({ a: { after: [{ step: '$trigger', wait: '1h' }] } });
      const other = await register({ a: { after: [{ step: '$trigger', wait: '1h' }] } });
      const startedAfter = new Date(Date.now() - 1000).toISOString();
      const runs: any[] = [];
      for (let n = 1; n <= 3; n += 1) runs.push(await sendAndWait(fn.event, { n }, (run) => run.status === 'Running'));
      const untouched = await sendAndWait(other.event, { n: 9 }, (run) => run.status === 'Running');
      const startedBefore = new Date(Date.now() + 1000).toISOString();
      // Act
      const answer = await client.api('POST', '/v1/cancellations', { function_id: fn.id, started_after: startedAfter, started_before: startedBefore, if: 'event.data.n >= 2' });
      await waitForQuiescence(stack.idle);
      const cancelled = await client.api('GET', `/v1/runs?function_id=${fn.id}&status=Cancelled`);
      const running = await client.api('GET', `/v1/runs?function_id=${fn.id}&status=Running`);
      const stillRunning = await client.api('GET', `/v1/runs/${untouched.run_id}`);
      const bad = await Promise.all([
        client.api('POST', '/v1/cancellations', { started_after: startedAfter, started_before: startedBefore }),
        client.api('POST', '/v1/cancellations', { function_id: fn.id, started_after: 'now', started_before: startedBefore }),
        client.api('POST', '/v1/cancellations', { function_id: fn.id, started_after: startedAfter, started_before: startedBefore, if: 'event.data.n >' }),
      ]);
      // Assess
      expect(answer).toEqual({ status: 200, body: { data: { cancelled: 2 } } });
      expect(cancelled.body.data.map((run: any) => run.run_id).sort()).toEqual([runs[1].run_id, runs[2].run_id].sort());
      expect(cancelled.body.data[0].reason).toMatch(/bulk cancellation/);
      expect(running.body.data.map((run: any) => run.run_id)).toEqual([runs[0].run_id]);
      expect(stillRunning.body.data.status).toBe('Running');
      expect(bad.map((one) => [one.status, String(one.body.error).split(':')[0]])).toEqual([[400, 'function_id'], [400, 'started_after'], [400, 'if']]);
    });
  });
}
