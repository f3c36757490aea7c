import type { StepstackEvent } from '../../core/events/event';
import { FormatError } from '../../core/format';
import { compileFunction } from '../../core/functions/compile';
import type { FunctionDefinition } from '../../core/functions/definition';
import type { CommitResult, NewRun, StoredRun } from '../../core/ports/run-store';
import type { StateStore } from '../../core/ports/state';
import { planAttempt } from '../../core/run/attempt';
import { defaultRetrySettings } from '../../core/run/backoff';
import { completeStep, plannedRun, testEvent } from '../support/runs';

type Make = (retentionMs?: number) => Promise<StateStore>;

const LEASE_MS = 10_000;
const http = (name: string) => ({ type: 'http' as const, url: `http://127.0.0.1:9/${name}` });

const chain: FunctionDefinition = {
  id: 'chain', name: 'Chain', triggers: [{ event: 'test/started' }],
  steps: { a: { runtime: http('a'), after: [{ step: '$trigger' }] }, b: { runtime: http('b'), after: [{ step: 'a' }] } },
};

/** root, then `width` siblings, then one step after all of them. */
function fan(width: number): FunctionDefinition {
  const siblings = Object.fromEntries(Array.from({ length: width }, (_, i) => [`s${i}`, { runtime: http(`s${i}`), after: [{ step: 'root' }] }]));
  return {
    id: `fan-${width}`, name: 'Fan', triggers: [{ event: 'test/started' }],
    steps: {
      root: { runtime: http('root'), after: [{ step: '$trigger' }] },
      ...siblings,
      join: { runtime: http('join'), after: Object.keys(siblings).map((step) => ({ step })) },
    },
  };
}

const event = (data?: Record<string, unknown>): StepstackEvent => testEvent(data);
const newRun = (definition: FunctionDefinition, now: number): NewRun => plannedRun(definition, now, { event: event() });
const complete = completeStep;

function committed(result: CommitResult | { outcome: 'exists' }): Extract<CommitResult, { outcome: 'committed' }> {
  if (result.outcome !== 'committed') throw new Error(`expected a commit, got ${result.outcome}`);
  return result;
}

const statuses = (run: StoredRun | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(run?.steps ?? {}).map(([id, step]) => [id, step.status]));

/**
 * The run state: created once, leased, settled step by step; siblings never conflict, fan-in steps are
 * released once, skips propagate, timers and pauses apply their plans, unknown formats are refused.
 */
export function describeRunStoreConformance(
  make: Make, now: () => number, elapse: (ms: number) => Promise<void>,
  writeRunFormat: () => ((runId: string, format: number) => Promise<void>) | undefined,
): void {
  describe('runs', () => {
    it('creates a run once and schedules the steps that leave $trigger', async () => {
      // Prepare
      const store = await make();
      const run = newRun(chain, now());
      // Act
      const created = committed(await store.createRun(run));
      const again = await store.createRun({ ...run, event: event({ other: true }) });
      const loaded = await store.loadRun(run.id);
      // Assess
      expect(created.scheduled).toEqual([{ stepId: 'a', attempt: 0, dueAt: run.now }]);
      expect(created.status).toBe('Running');
      expect(again).toEqual({ outcome: 'exists' });
      expect(loaded).toMatchObject({ id: run.id, functionId: 'chain', functionHash: run.functionHash, eventId: run.event.id, status: 'Running', startedAt: run.now });
      expect(loaded?.event).toEqual(run.event);
      expect(loaded?.definition).toEqual(chain);
      expect(statuses(loaded)).toEqual({ a: 'Scheduled', b: 'Pending' });
      expect(loaded?.steps.b?.edges).toEqual(['pending']);
    });

    it('loads nothing for a run that does not exist, and answers missing to changes of it', async () => {
      // Prepare
      const store = await make();
      // Act
      const loaded = await store.loadRun('no-such-run');
      const lease = await store.leaseStep({ runId: 'no-such-run', stepId: 'a', attempt: 0, owner: 'x', leaseMs: LEASE_MS, now: now() });
      const ended = await store.endRun({ runId: 'no-such-run', status: 'Cancelled', reason: 'r', now: now() });
      // Assess
      expect(loaded).toBeUndefined();
      expect(lease).toEqual({ status: 'missing' });
      expect(ended).toEqual({ outcome: 'missing' });
    });

    it('expires a run after the retention period, counted from its last change', async () => {
      // Prepare
      const store = await make(1_000);
      const run = newRun(chain, now());
      await store.createRun(run);
      // Act
      await elapse(700);
      await complete(store, run, 'a', now());
      await elapse(700);
      const kept = await store.loadRun(run.id);
      await elapse(400);
      const gone = await store.loadRun(run.id);
      // Assess
      expect(kept?.status).toBe('Running');
      expect(gone).toBeUndefined();
    });
  });

  describe('leases', () => {
    it('leases an open attempt and returns what the step needs: the event, the outputs asked for, its history', async () => {
      // Prepare
      const store = await make();
      const run = newRun(chain, now());
      await store.createRun(run);
      await complete(store, run, 'a', now(), { n: 1 });
      // Act
      const lease = await store.leaseStep({ runId: run.id, stepId: 'b', attempt: 0, owner: 'one', leaseMs: LEASE_MS, now: now(), inputs: ['a'] });
      const none = await store.leaseStep({ runId: run.id, stepId: 'b', attempt: 0, owner: 'one', leaseMs: LEASE_MS, now: now(), inputs: [] });
      // Assess
      if (lease.status !== 'leased' || none.status !== 'leased') throw new Error('expected leases');
      expect(lease.step.run).toMatchObject({ id: run.id, functionHash: run.functionHash, status: 'Running' });
      expect(lease.step.event).toEqual(run.event);
      expect(lease.step.outputs).toEqual({ a: { n: 1 } });
      expect(lease.step.definition).toEqual(chain);
      expect(lease.step.history).toEqual({ attempts: 0, errors: [] });
      expect(none.step.outputs).toEqual({});
    });

    it('leaves the definition out of a lease when asked (a caller that has it compiled), and keeps the rest', async () => {
      // Prepare
      const store = await make();
      const run = newRun(chain, now());
      await store.createRun(run);
      await complete(store, run, 'a', now(), { n: 1 });
      // Act
      const lease = await store.leaseStep({ runId: run.id, stepId: 'b', attempt: 0, owner: 'one', leaseMs: LEASE_MS, now: now(), inputs: ['a'], withoutDefinition: true });
      // Assess
      if (lease.status !== 'leased') throw new Error('expected a lease');
      expect(lease.step.definition).toBeUndefined();
      expect(lease.step.outputs).toEqual({ a: { n: 1 } });
      expect(lease.step.event).toEqual(run.event);
      expect(lease.step.run).toMatchObject({ id: run.id, functionHash: run.functionHash });
    });

    it('answers busy while another owner holds a live lease, and lets it go once it expired', async () => {
      // Prepare
      const store = await make();
      const run = newRun(chain, now());
      await store.createRun(run);
      const request = { runId: run.id, stepId: 'a', attempt: 0, leaseMs: 1_000 };
      const first = await store.leaseStep({ ...request, owner: 'one', now: now() });
      // Act
      const busy = await store.leaseStep({ ...request, owner: 'two', now: now() });
      const same = await store.leaseStep({ ...request, owner: 'one', now: now() });
      const taken = await store.leaseStep({ ...request, owner: 'two', now: now() + 1_500 });
      // Assess
      expect(first.status).toBe('leased');
      expect(busy).toEqual({ status: 'busy', until: expect.any(Number) });
      expect(same.status).toBe('leased');
      expect(taken.status).toBe('leased');
    });

    it('answers closed for an attempt that is not the scheduled one, or a step already settled', async () => {
      // Prepare
      const store = await make();
      const run = newRun(chain, now());
      await store.createRun(run);
      await complete(store, run, 'a', now());
      // Act
      const settled = await store.leaseStep({ runId: run.id, stepId: 'a', attempt: 0, owner: 'x', leaseMs: LEASE_MS, now: now() });
      const wrongAttempt = await store.leaseStep({ runId: run.id, stepId: 'b', attempt: 3, owner: 'x', leaseMs: LEASE_MS, now: now() });
      // Assess
      expect(settled).toEqual({ status: 'closed' });
      expect(wrongAttempt).toEqual({ status: 'closed' });
    });

    it('renews a lease only for its owner while the attempt is open, and answers ended once the run ended', async () => {
      // Prepare
      const store = await make();
      const run = newRun(chain, now());
      await store.createRun(run);
      const request = { runId: run.id, stepId: 'a', attempt: 0, leaseMs: LEASE_MS };
      await store.leaseStep({ ...request, owner: 'one', now: now() });
      // Act
      const renewed = await store.renewLease({ ...request, owner: 'one', now: now() });
      const notOwner = await store.renewLease({ ...request, owner: 'two', now: now() });
      await store.endRun({ runId: run.id, status: 'Cancelled', reason: 'by test', now: now() });
      const ended = await store.renewLease({ ...request, owner: 'one', now: now() });
      const loaded = await store.loadRun(run.id);
      // Assess
      expect([renewed, notOwner, ended]).toEqual(['renewed', 'lost', 'ended']);
      expect(loaded?.leases).toEqual({});
    });

    it('answers lost to a renewal after the lease ran out, and releases only for the owner', async () => {
      // Prepare
      const store = await make();
      const run = newRun(chain, now());
      await store.createRun(run);
      const request = { runId: run.id, stepId: 'a', attempt: 0, leaseMs: 1_000 };
      await store.leaseStep({ ...request, owner: 'one', now: now() });
      // Act
      await store.releaseLease(run.id, 'a', 'two');
      const stillHeld = await store.loadRun(run.id);
      const late = await store.renewLease({ ...request, owner: 'one', now: now() + 2_000 });
      await store.releaseLease(run.id, 'a', 'one');
      const released = await store.loadRun(run.id);
      // Assess
      expect(Object.keys(stillHeld?.leases ?? {})).toEqual(['a']);
      expect(late).toBe('lost');
      expect(released?.leases).toEqual({});
    });
  });

  describe('commits', () => {
    it('saves an output, schedules the children, releases the lease and completes the run at its last step', async () => {
      // Prepare
      const store = await make();
      const run = newRun(chain, now());
      await store.createRun(run);
      await store.leaseStep({ runId: run.id, stepId: 'a', attempt: 0, owner: 'one', leaseMs: LEASE_MS, now: now() });
      const fn = compileFunction(chain);
      const { commit } = planAttempt(fn, 'a', 0, { kind: 'success', output: { n: 1 } }, {
        runId: run.id, event: run.event, steps: {}, async: null, attempts: 0, errors: [], now: now(), retry: defaultRetrySettings,
      });
      // Act
      const first = committed(await store.commitAttempt({ ...commit, release: { owner: 'one' } }));
      const afterFirst = await store.loadRun(run.id);
      const last = committed(await complete(store, run, 'b', now(), { n: 2 }));
      const done = await store.loadRun(run.id);
      // Assess
      expect(first).toMatchObject({ status: 'Running', scheduled: [{ stepId: 'b', attempt: 0 }], outputCount: 1 });
      expect(afterFirst?.leases).toEqual({});
      expect(afterFirst?.steps.a).toMatchObject({ status: 'Completed', attempts: 1 });
      expect(last).toMatchObject({ status: 'Completed', scheduled: [] });
      expect(done).toMatchObject({ status: 'Completed', outputs: { a: { n: 1 }, b: { n: 2 } } });
      expect(done?.endedAt).toEqual(expect.any(Number));
    });

    it('refuses a commit of an attempt already settled (a duplicate), writing nothing', async () => {
      // Prepare
      const store = await make();
      const run = newRun(chain, now());
      await store.createRun(run);
      await complete(store, run, 'a', now(), { first: true });
      // Act
      const duplicate = await complete(store, run, 'a', now(), { second: true });
      const loaded = await store.loadRun(run.id);
      // Assess
      expect(duplicate).toEqual({ outcome: 'stale' });
      expect(loaded?.outputs.a).toEqual({ first: true });
      expect(loaded?.steps.a?.attempts).toBe(1);
    });

    it('schedules a retry as the next attempt, keeping the errors, and fails the run on a final failure', async () => {
      // Prepare
      const store = await make();
      const run = newRun(chain, now());
      await store.createRun(run);
      const fn = compileFunction(chain);
      const context = { runId: run.id, event: run.event, steps: {}, async: null, now: now(), retry: { baseMs: 1_000, maxMs: 1_000, random: () => 0 } };
      const failure = { kind: 'failure' as const, error: 'HTTP 503', retryable: true };
      // Act
      const retry = planAttempt(fn, 'a', 0, failure, { ...context, attempts: 0, errors: [] }).commit;
      const retried = committed(await store.commitAttempt(retry));
      const final = planAttempt(fn, 'a', 1, { ...failure, retryable: false }, { ...context, attempts: 1, errors: retry.errors }).commit;
      const failed = committed(await store.commitAttempt(final));
      const loaded = await store.loadRun(run.id);
      // Assess
      expect(retried.scheduled).toEqual([{ stepId: 'a', attempt: 1, dueAt: context.now + 1_000 }]);
      expect(failed.status).toBe('Failed');
      expect(loaded).toMatchObject({ status: 'Failed', reason: expect.stringContaining('HTTP 503') });
      expect(loaded?.steps.a).toMatchObject({ status: 'Failed', attempts: 2 });
      expect(loaded?.steps.a?.errors.map((error) => error.attempt)).toEqual([0, 1]);
    });

    it('fails a step for good, naming the cap, when its output would pass the run\'s output cap; writes nothing of it', async () => {
      // Prepare
      const store = await make();
      const run = newRun(chain, now());
      await store.createRun(run);
      const fn = compileFunction(chain);
      const plan = (stepId: string, output: unknown) => planAttempt(fn, stepId, 0, { kind: 'success', output }, {
        runId: run.id, event: run.event, steps: {}, async: null, attempts: 0, errors: [], now: now(), retry: defaultRetrySettings,
      }).commit;
      // Act
      const first = committed(await store.commitAttempt({ ...plan('a', 'x'.repeat(60)), outputCap: 100 }));
      const second = committed(await store.commitAttempt({ ...plan('b', 'y'.repeat(60)), outputCap: 100 }));
      const loaded = await store.loadRun(run.id);
      // Assess
      expect(first.status).toBe('Running');
      expect(second.status).toBe('Failed');
      expect(loaded?.reason).toMatch(/step 'b' failed for good: its output of 62 bytes would bring the run's stored outputs to 124 bytes, over the cap of 100 bytes \(RUN_OUTPUT_CAP\)/);
      expect(loaded?.steps.b?.status).toBe('Failed');
      expect(Object.keys(loaded?.outputs ?? {})).toEqual(['a']);
    });

    it('leases the step a commit schedules to the committing owner instead of returning it to enqueue', async () => {
      // Prepare
      const store = await make();
      const run = newRun(chain, now());
      await store.createRun(run);
      const fn = compileFunction(chain);
      const { commit } = planAttempt(fn, 'a', 0, { kind: 'success', output: 1 }, {
        runId: run.id, event: run.event, steps: {}, async: null, attempts: 0, errors: [], now: now(), retry: defaultRetrySettings,
      });
      // Act
      const result = committed(await store.commitAttempt({ ...commit, leaseNext: { owner: 'next', until: now() + LEASE_MS } }));
      const busy = await store.leaseStep({ runId: run.id, stepId: 'b', attempt: 0, owner: 'other', leaseMs: LEASE_MS, now: now() });
      // Assess
      expect(result.leased).toMatchObject({ stepId: 'b', attempt: 0, async: null });
      expect(result.scheduled).toEqual([]);
      expect(busy.status).toBe('busy');
    });

    it('lets siblings that finish together all commit, and releases the fan-in step exactly once', async () => {
      // Prepare
      const store = await make();
      const run = newRun(fan(20), now());
      await store.createRun(run);
      const root = committed(await complete(store, run, 'root', now()));
      // Act
      const results = await Promise.all(root.scheduled.map((step) => complete(store, run, step.stepId, now())));
      const loaded = await store.loadRun(run.id);
      // Assess
      expect(root.scheduled).toHaveLength(20);
      expect(results.every((result) => result.outcome === 'committed')).toBe(true);
      const released = results.flatMap((result) => (result.outcome === 'committed' ? result.scheduled : []));
      expect(released).toEqual([{ stepId: 'join', attempt: 0, dueAt: expect.any(Number) }]);
      expect(loaded?.steps.join?.status).toBe('Scheduled');
      expect(Object.keys(loaded?.outputs ?? {})).toHaveLength(21);
    });

    it('commits one of two racing copies of the same attempt, never both', async () => {
      // Prepare
      const store = await make();
      const run = newRun(chain, now());
      await store.createRun(run);
      // Act
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => complete(store, run, 'a', now(), { copy: i })));
      const loaded = await store.loadRun(run.id);
      // Assess
      expect(results.filter((result) => result.outcome === 'committed')).toHaveLength(1);
      expect(loaded?.steps.a?.attempts).toBe(1);
      expect(loaded?.steps.b?.status).toBe('Scheduled');
    });

    it('skips a step none of whose edges fire, and its descendants, completing the run', async () => {
      // Prepare
      const store = await make();
      const branching: FunctionDefinition = {
        id: 'branching', name: 'Branching', triggers: [{ event: 'test/started' }],
        steps: {
          check: { runtime: http('check'), after: [{ step: '$trigger' }] },
          pro: { runtime: http('pro'), after: [{ step: 'check', if: "event.data.plan == 'pro'" }] },
          free: { runtime: http('free'), after: [{ step: 'check', if: "event.data.plan != 'pro'" }] },
          afterFree: { runtime: http('after-free'), after: [{ step: 'free' }] },
          deeper: { runtime: http('deeper'), after: [{ step: 'afterFree' }] },
        },
      };
      const run = newRun(branching, now());
      await store.createRun(run);
      // Act
      const checked = committed(await complete(store, run, 'check', now()));
      const last = committed(await complete(store, run, 'pro', now()));
      const loaded = await store.loadRun(run.id);
      // Assess
      expect(checked.scheduled.map((step) => step.stepId)).toEqual(['pro']);
      expect(last.status).toBe('Completed');
      expect(statuses(loaded)).toEqual({ check: 'Completed', pro: 'Completed', free: 'Skipped', afterFree: 'Skipped', deeper: 'Skipped' });
    });

    it('runs a fan-in step when one parent fired and the other was skipped', async () => {
      // Prepare
      const store = await make();
      const either: FunctionDefinition = {
        id: 'either', name: 'Either', triggers: [{ event: 'test/started' }],
        steps: {
          a: { runtime: http('a'), after: [{ step: '$trigger' }] },
          yes: { runtime: http('yes'), after: [{ step: 'a', if: 'true' }] },
          no: { runtime: http('no'), after: [{ step: 'a', if: 'false' }] },
          join: { runtime: http('join'), after: [{ step: 'yes' }, { step: 'no' }] },
        },
      };
      const run = newRun(either, now());
      await store.createRun(run);
      await complete(store, run, 'a', now());
      // Act
      const joined = committed(await complete(store, run, 'yes', now()));
      const loaded = await store.loadRun(run.id);
      // Assess
      expect(joined.scheduled.map((step) => step.stepId)).toEqual(['join']);
      expect(loaded?.steps.join?.edges).toEqual(['fired', 'never']);
    });
  });

  describe('timers and pauses', () => {
    const waiting: FunctionDefinition = {
      id: 'waiting', name: 'Waiting', triggers: [{ event: 'test/started' }],
      cancel: [{ event: 'test/cancel' }],
      steps: {
        a: { runtime: http('a'), after: [{ step: '$trigger' }] },
        later: { runtime: http('later'), after: [{ step: 'a', wait: '10m' }] },
        opened: { runtime: http('opened'), after: [{ step: 'a', async: { event: 'test/opened', ttl: '1h', onTimeout: false } }] },
      },
    };

    it('fires a wait timer once: its step is scheduled, a second firing is stale', async () => {
      // Prepare
      const store = await make();
      const run = newRun(waiting, now());
      await store.createRun(run);
      const completed = committed(await complete(store, run, 'a', now()));
      const waitingRun = await store.loadRun(run.id);
      // Act
      const fired = committed(await store.fireTimer({ runId: run.id, timerId: 'edge:later:0', now: now() }));
      const again = await store.fireTimer({ runId: run.id, timerId: 'edge:later:0', now: now() });
      // Assess
      expect(completed.scheduled).toEqual([]);
      expect(statuses(waitingRun)).toMatchObject({ later: 'Waiting', opened: 'Waiting' });
      expect(waitingRun?.timers.map((timer) => timer.id).sort()).toEqual(['edge:later:0', `pause:${run.id}/async/opened/0`]);
      expect(fired.scheduled.map((step) => step.stepId)).toEqual(['later']);
      expect(again).toEqual({ outcome: 'stale' });
    });

    it('resumes an async pause with the event, drops its ttl timer, and is stale the second time', async () => {
      // Prepare
      const store = await make();
      const run = newRun(waiting, now());
      await store.createRun(run);
      await complete(store, run, 'a', now());
      const opened: StepstackEvent = { name: 'test/opened', data: { id: 7 }, id: 'opened-1', ts: 1 };
      const pauseId = `${run.id}/async/opened/0`;
      // Act
      const resumed = committed(await store.resumePause({ runId: run.id, pauseId, event: opened, now: now() }));
      const again = await store.resumePause({ runId: run.id, pauseId, event: opened, now: now() });
      const ttl = await store.fireTimer({ runId: run.id, timerId: `pause:${pauseId}`, now: now() });
      const loaded = await store.loadRun(run.id);
      // Assess
      expect(resumed.scheduled.map((step) => step.stepId)).toEqual(['opened']);
      expect(resumed.droppedPauses.map((pause) => pause.id)).toEqual([pauseId]);
      expect(again).toEqual({ outcome: 'stale' });
      expect(ttl).toEqual({ outcome: 'stale' });
      expect(loaded?.steps.opened?.async).toEqual(opened);
    });

    it('times out an async pause: its edge never fires, the step is skipped', async () => {
      // Prepare
      const store = await make();
      const run = newRun(waiting, now());
      await store.createRun(run);
      await complete(store, run, 'a', now());
      const pauseId = `${run.id}/async/opened/0`;
      // Act
      const timedOut = committed(await store.fireTimer({ runId: run.id, timerId: `pause:${pauseId}`, now: now() }));
      const late = await store.resumePause({ runId: run.id, pauseId, event: { name: 'test/opened', data: {}, id: 'late', ts: 1 }, now: now() });
      const loaded = await store.loadRun(run.id);
      // Assess
      expect(timedOut.droppedPauses.map((pause) => pause.id)).toEqual([pauseId]);
      expect(late).toEqual({ outcome: 'stale' });
      expect(loaded?.steps.opened?.status).toBe('Skipped');
    });

    it('cancels the run on a cancel pause, dropping every other pause and timer', async () => {
      // Prepare
      const store = await make();
      const run = newRun(waiting, now());
      await store.createRun(run);
      await complete(store, run, 'a', now());
      // Act
      const cancelled = committed(await store.resumePause({
        runId: run.id, pauseId: `${run.id}/cancel/0`, event: { name: 'test/cancel', data: {}, id: 'c-1', ts: 1 }, now: now(),
      }));
      const timer = await store.fireTimer({ runId: run.id, timerId: 'edge:later:0', now: now() });
      const loaded = await store.loadRun(run.id);
      // Assess
      expect(cancelled.status).toBe('Cancelled');
      expect(cancelled.droppedPauses.map((pause) => pause.id).sort()).toEqual([`${run.id}/async/opened/0`, `${run.id}/cancel/0`]);
      expect(timer).toEqual({ outcome: 'stale' });
      expect(loaded).toMatchObject({ status: 'Cancelled', reason: "cancelled by event 'test/cancel' (c-1)", timers: [], pauses: [] });
    });

    it('ends a running run once: a second end is stale, and commits to it are stale', async () => {
      // Prepare
      const store = await make();
      const run = newRun(chain, now());
      await store.createRun(run);
      // Act
      const ended = committed(await store.endRun({ runId: run.id, status: 'Failed', reason: 'platform fault', now: now() }));
      const again = await store.endRun({ runId: run.id, status: 'Cancelled', reason: 'late', now: now() });
      const commit = await complete(store, run, 'a', now());
      // Assess
      expect(ended.status).toBe('Failed');
      expect(again).toEqual({ outcome: 'stale' });
      expect(commit).toEqual({ outcome: 'stale' });
    });
  });

  describe('formats', () => {
    it('refuses a run stored in another format, naming both versions, and leaves it in place', async () => {
      // Prepare
      const store = await make();
      const write = writeRunFormat();
      const run = newRun(chain, now());
      await store.createRun(run);
      await write?.(run.id, 99);
      // Act
      const load = store.loadRun(run.id);
      const lease = store.leaseStep({ runId: run.id, stepId: 'a', attempt: 0, owner: 'x', leaseMs: LEASE_MS, now: now() });
      const commit = complete(store, run, 'a', now());
      // Assess
      expect(write).toBeDefined();
      for (const refused of [load, lease, commit]) {
        await expect(refused).rejects.toBeInstanceOf(FormatError);
        await expect(refused).rejects.toThrow(/version 99.*version 2/);
      }
      await write?.(run.id, 2);
      expect((await store.loadRun(run.id))?.steps.a?.status).toBe('Scheduled');
    });
  });
}

/** Dead events: kept, listed newest first by pages, taken once. */
export function describeDeadEvents(make: Make, now: () => number): void {
  describe('dead events', () => {
    it('keeps dead events, lists them newest first by pages, and hands each out once', async () => {
      // Prepare
      const store = await make();
      const at = now();
      const events = [0, 1, 2].map(() => event());
      for (const [i, dead] of events.entries()) await store.saveDeadEvent({ event: dead, deadAt: at + i, receiveCount: 5 }, 60_000);
      // Act
      const first = await store.listDeadEvents(2);
      const second = await store.listDeadEvents(2, first.next ?? undefined);
      const read = await store.getDeadEvent(events[1]!.id);
      const taken = await store.takeDeadEvent(events[1]!.id);
      const takenAgain = await store.takeDeadEvent(events[1]!.id);
      const after = await store.listDeadEvents(10);
      // Assess
      expect(first.events.map((dead) => dead.event.id)).toEqual([events[2]!.id, events[1]!.id]);
      expect(first.next).not.toBeNull();
      expect(second.events.map((dead) => dead.event.id)).toEqual([events[0]!.id]);
      expect(second.next).toBeNull();
      expect(read).toEqual({ event: events[1], deadAt: at + 1, receiveCount: 5 });
      expect(taken).toEqual(read);
      expect(await store.getDeadEvent(events[1]!.id)).toBeUndefined();
      expect(takenAgain).toBeUndefined();
      expect(after.events.map((dead) => dead.event.id)).toEqual([events[2]!.id, events[0]!.id]);
    });
  });
}
