import { createMemoryStateStore } from '../../adapters/memory/state-store';
import type { StepstackEvent } from '../../core/events/event';
import type { StepOutcome } from '../../core/ports/driver';
import { planAttempt } from '../../core/run/attempt';
import type { RetrySettings } from '../../core/run/backoff';
import { pendingWork } from '../../core/run/pending-work';
import { planEdgesFrom, planStart } from '../../core/run/plan';
import { compile } from '../support/functions';
import { plannedRun } from '../support/runs';

const retry: RetrySettings = { baseMs: 1000, maxMs: 60_000, random: () => 0 };
const event = (data: Record<string, unknown> = {}): StepstackEvent => ({ name: 'test/go', data, id: 'evt-1', ts: 0 });
const context = { runId: 'run-1', event: event(), steps: {}, async: null, attempts: 0, errors: [], now: 1_000, retry };

describe('run planning', () => {
  it('evaluates `if` with `response` as the parent output and `event` as the trigger', () => {
    // Prepare
    const fn = compile({}, {
      a: { after: [{ step: '$trigger', if: "event.data.plan == 'pro'" }] },
      b: { after: [{ step: 'a', if: 'response.n > 1.0' }] },
      c: { after: [{ step: 'a', if: "steps['a'].n < 1.0" }] },
    });
    // Act
    const start = planStart(fn, event({ plan: 'pro' }), 'run-1', 0, 60_000);
    const after = planEdgesFrom(fn, fn.steps.get('a')!.children, {
      runId: 'run-1', now: 0, event: event(), steps: { a: { n: 2 } }, parentAsync: null, response: { n: 2 },
    });
    // Assess
    expect(start.changes.edges).toEqual([{ step: 'a', edge: 0, to: 'fired' }]);
    expect(after.changes.edges).toEqual([{ step: 'b', edge: 0, to: 'fired' }, { step: 'c', edge: 0, to: 'never' }]);
  });

  it('arms a wait timer, and an async pause with its ttl timer and its index record', () => {
    // Prepare
    const fn = compile({}, {
      a: { after: [{ step: '$trigger' }] },
      later: { after: [{ step: 'a', wait: '10m' }] },
      opened: { after: [{ step: 'a', async: { event: 'email/opened', match: 'async.data.id == event.data.id', ttl: '1h', onTimeout: true } }] },
    });
    // Act
    const planned = planEdgesFrom(fn, fn.steps.get('a')!.children, {
      runId: 'run-1', now: 0, event: event({ id: 7 }), steps: {}, parentAsync: null, response: null,
    });
    // Assess
    expect(planned.changes.edges.map((edge) => edge.to)).toEqual(['waiting', 'waiting']);
    expect(planned.changes.timers).toEqual([
      { id: 'edge:later:0', dueAt: 600_000, resolve: { step: 'later', edge: 0, to: 'fired' } },
      { id: 'pause:run-1/async/opened/0', dueAt: 3_600_000, resolve: { step: 'opened', edge: 0, to: 'fired' }, endsPause: 'run-1/async/opened/0' },
    ]);
    expect(planned.changes.pauses).toEqual([{
      id: 'run-1/async/opened/0', kind: 'async', event: 'email/opened', expiresAt: 3_600_000, edge: { step: 'opened', edge: 0 }, ttlTimer: 'pause:run-1/async/opened/0',
    }]);
    expect(planned.index).toEqual([expect.objectContaining({ id: 'run-1/async/opened/0', runId: 'run-1', functionId: fn.id, kind: 'async', event: 'email/opened' })]);
  });

  it('arms each cancel rule until its timeout, else for the retention period', () => {
    // Prepare
    const fn = compile({ cancel: [{ event: 'user/deleted', timeout: '1h' }, { event: 'order/voided' }] }, { a: { after: [{ step: '$trigger' }] } });
    // Act
    const planned = planStart(fn, event(), 'run-1', 0, 86_400_000);
    // Assess
    expect(planned.changes.pauses).toEqual([
      { id: 'run-1/cancel/0', kind: 'cancel', event: 'user/deleted', expiresAt: 3_600_000 },
      { id: 'run-1/cancel/1', kind: 'cancel', event: 'order/voided', expiresAt: 86_400_000 },
    ]);
  });

  it('retries a retryable failure with backoff and keeps every error; fails for good when retries run out', () => {
    // Prepare
    const fn = compile({ retries: 1 }, { a: { after: [{ step: '$trigger' }] } });
    const failure: StepOutcome = { kind: 'failure', error: 'HTTP 503', retryable: true, output: { status: 503 } };
    // Act
    const first = planAttempt(fn, 'a', 0, failure, context).commit;
    const second = planAttempt(fn, 'a', 1, failure, { ...context, attempts: 1, errors: first.errors }).commit;
    // Assess
    expect(first.result).toEqual({ kind: 'retry', retryAt: 2_000 });
    expect(first.errors).toEqual([{ attempt: 0, message: 'HTTP 503', output: { status: 503 }, at: 1_000 }]);
    expect(second.result).toEqual({ kind: 'failed', reason: "step 'a' failed after 2 attempt(s): HTTP 503" });
    expect(second.errors.map((error) => error.attempt)).toEqual([0, 1]);
  });

  it('fails at once on a permanent failure, and prefers the step retries over the function retries', () => {
    // Prepare
    const fn = compile({ retries: 0 }, { a: { after: [{ step: '$trigger' }], retries: { attempts: 1 } } });
    // Act
    const permanent = planAttempt(fn, 'a', 0, { kind: 'failure', error: 'HTTP 404', retryable: false }, context).commit;
    const flaky = planAttempt(fn, 'a', 0, { kind: 'failure', error: 'flaky', retryable: true }, context).commit;
    // Assess
    expect(permanent.result.kind).toBe('failed');
    expect(flaky.result.kind).toBe('retry');
  });

  it('lists the pending work of a run for recovery, a step another executor holds only when asked, due when its lease ends', async () => {
    // Prepare
    const store = createMemoryStateStore();
    const definition = compile({}, {
      a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: '$trigger' }] }, later: { after: [{ step: '$trigger', wait: '1h' }] },
    }).definition;
    const run = plannedRun(definition, Date.now());
    await store.createRun(run);
    const leasedAt = Date.now();
    await store.leaseStep({ runId: run.id, stepId: 'a', attempt: 0, owner: 'busy', leaseMs: 60_000, now: leasedAt });
    // Act
    const stored = (await store.loadRun(run.id))!;
    const work = pendingWork(stored, Date.now());
    const withLeased = pendingWork(stored, Date.now(), { leased: true });
    // Assess
    const names = (items: typeof work): string[] => items.map((item) => (item.kind === 'step' ? `step:${item.stepId}` : item.kind === 'timer' ? item.timer : item.action)).sort();
    expect(names(work)).toEqual(['edge:later:0', 'step:b']);
    expect(names(withLeased)).toEqual(['edge:later:0', 'step:a', 'step:b']);
    expect(withLeased.find((item) => item.kind === 'step' && item.stepId === 'a')!.dueAt).toBe(leasedAt + 60_000);
    expect(work.every((item) => item.format === 2 && item.functionHash === run.functionHash)).toBe(true);
  });
});
