import type { StepstackEvent } from '../../core/events/event';
import type { CompiledFunction } from '../../core/functions/compiled';
import type { StepOutcome } from '../../core/ports/driver';
import type { RetrySettings } from '../../core/run/backoff';
import type { RunSnapshot } from '../../core/run/run';
import {
  applyPauseEvent, applyStepOutcome, applyTimer, cancelRun, pendingWork, startRun, type Transition,
} from '../../core/run/transitions';
import { compile } from '../support/functions';

const retry: RetrySettings = { baseMs: 1000, maxMs: 60_000, random: () => 0 };
const event = (name = 'test/go', data: Record<string, unknown> = {}, id = 'evt-1'): StepstackEvent => ({ name, data, id, ts: 0 });
const ok = (output: unknown): StepOutcome => ({ kind: 'success', output });

/** Applies transitions one after the other, as committed runs would see them. */
class RunHarness {
  snapshot: RunSnapshot;
  last: Transition;
  now = 1_000;

  constructor(readonly fn: CompiledFunction, trigger: StepstackEvent = event()) {
    this.last = startRun(fn, trigger, 'run-1', this.now);
    this.snapshot = { doc: this.last.doc, outputs: { ...this.last.outputs } };
  }

  private commit(transition: Transition | undefined): Transition | undefined {
    if (!transition) return undefined;
    this.last = transition;
    this.snapshot = { doc: transition.doc, outputs: { ...this.snapshot.outputs, ...transition.outputs } };
    return transition;
  }

  outcome(stepId: string, outcome: StepOutcome, attempt = this.snapshot.doc.steps[stepId]!.attempt): Transition | undefined {
    return this.commit(applyStepOutcome(this.snapshot, this.fn, stepId, attempt, outcome, this.now, retry));
  }

  timer(timer: string): Transition | undefined {
    return this.commit(applyTimer(this.snapshot, this.fn, timer, this.now));
  }

  resume(pauseId: string, incoming: StepstackEvent): Transition | undefined {
    return this.commit(applyPauseEvent(this.snapshot, this.fn, pauseId, incoming, this.now));
  }

  status(stepId: string): string | undefined {
    return this.snapshot.doc.steps[stepId]?.status;
  }

  enqueued(): string[] {
    return this.last.effects.enqueue.map((item) => (item.kind === 'step' ? `step:${item.stepId}#${item.attempt}` : item.timer));
  }
}

describe('run transitions', () => {
  it('runs a linear chain and ends with the last output', () => {
    // Prepare
    const run = new RunHarness(compile({}, { a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a' }] } }));
    // Act
    const first = run.enqueued();
    run.outcome('a', ok({ n: 1 }));
    const second = run.enqueued();
    run.outcome('b', ok({ n: 2 }));
    // Assess
    expect(first).toEqual(['step:a#0']);
    expect(second).toEqual(['step:b#0']);
    expect(run.snapshot.doc.status).toBe('Completed');
    expect(run.snapshot.doc.output).toEqual({ b: { n: 2 } });
    expect(run.snapshot.doc.version).toBe(3);
  });

  it('follows only the branches whose `if` is true and skips the rest with their descendants', () => {
    // Prepare
    const run = new RunHarness(compile({}, {
      a: { after: [{ step: '$trigger' }] },
      yes: { after: [{ step: 'a', if: "steps['a'].body.ok == true" }] },
      no: { after: [{ step: 'a', if: "steps['a'].body.ok == false" }] },
      'after-no': { after: [{ step: 'no' }] },
    }));
    // Act
    run.outcome('a', ok({ body: { ok: true } }));
    // Assess
    expect(run.enqueued()).toEqual(['step:yes#0']);
    expect(run.status('no')).toBe('Skipped');
    expect(run.status('after-no')).toBe('Skipped');
    run.outcome('yes', ok('done'));
    expect(run.snapshot.doc.status).toBe('Completed');
    expect(run.snapshot.doc.output).toEqual({ yes: 'done' });
  });

  it('evaluates `response` as the parent output and `event` as the trigger', () => {
    // Prepare
    const run = new RunHarness(
      compile({}, { a: { after: [{ step: '$trigger', if: "event.data.plan == 'pro'" }] }, b: { after: [{ step: 'a', if: 'response.n > 1' }] } }),
      event('test/go', { plan: 'pro' }),
    );
    // Act
    run.outcome('a', ok({ n: 2 }));
    // Assess
    expect(run.enqueued()).toEqual(['step:b#0']);
  });

  it('fans out and fans in: the joining step runs once, after both parents', () => {
    // Prepare
    const run = new RunHarness(compile({}, {
      a: { after: [{ step: '$trigger' }] },
      b: { after: [{ step: 'a' }] },
      c: { after: [{ step: 'a' }] },
      d: { after: [{ step: 'b' }, { step: 'c' }] },
    }));
    // Act
    run.outcome('a', ok(1));
    const fanOut = run.enqueued();
    run.outcome('b', ok(2));
    const afterB = run.enqueued();
    run.outcome('c', ok(3));
    const afterC = run.enqueued();
    run.outcome('d', ok(4));
    // Assess
    expect(fanOut.sort()).toEqual(['step:b#0', 'step:c#0']);
    expect(afterB).toEqual([]);
    expect(afterC).toEqual(['step:d#0']);
    expect(run.snapshot.doc.output).toEqual({ d: 4 });
  });

  it('runs a fan-in step when one edge fired and the other will never fire', () => {
    // Prepare
    const run = new RunHarness(compile({}, {
      a: { after: [{ step: '$trigger' }] },
      b: { after: [{ step: 'a', if: 'false' }] },
      c: { after: [{ step: 'a' }] },
      d: { after: [{ step: 'b' }, { step: 'c' }] },
    }));
    // Act
    run.outcome('a', ok(1));
    run.outcome('c', ok(3));
    // Assess
    expect(run.status('b')).toBe('Skipped');
    expect(run.enqueued()).toEqual(['step:d#0']);
  });

  it('ignores a second outcome of the same attempt (a duplicated work item)', () => {
    // Prepare
    const run = new RunHarness(compile({}, { a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a' }] } }));
    const stale = run.snapshot;
    run.outcome('a', ok(1));
    // Act
    const replay = applyStepOutcome(run.snapshot, run.fn, 'a', 0, ok(1), run.now, retry);
    const raced = applyStepOutcome(stale, run.fn, 'a', 0, ok(1), run.now, retry);
    // Assess
    expect(replay).toBeUndefined();
    expect(raced?.doc.version).toBe(run.snapshot.doc.version); // the store's compare-and-set rejects it
  });

  it('waits on an edge with `wait`, then fires it when its timer comes due', () => {
    // Prepare
    const run = new RunHarness(compile({}, { a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a', wait: '10m' }] } }));
    // Act
    run.outcome('a', ok(1));
    const timer = run.last.effects.enqueue[0];
    // Assess
    expect(timer).toMatchObject({ kind: 'timer', timer: 'edge:b:0', dueAt: run.now + 600_000 });
    expect(run.status('b')).toBe('Waiting');
    run.timer('edge:b:0');
    expect(run.enqueued()).toEqual(['step:b#0']);
    expect(run.timer('edge:b:0')).toBeUndefined();
  });

  describe('async edges', () => {
    const fn = (onTimeout: boolean): CompiledFunction => compile({}, {
      send: { after: [{ step: '$trigger' }] },
      thank: {
        after: [{ step: 'send', async: { event: 'email/opened', match: "async.data.id == steps['send'].id", ttl: '1h', onTimeout } }],
      },
    });

    it('resumes on a matching event only, handing the step that event', () => {
      // Prepare
      const run = new RunHarness(fn(false));
      run.outcome('send', ok({ id: 'm-1' }));
      const pause = run.last.effects.addPauses[0]!;
      // Act
      const wrong = run.resume(pause.id, event('email/opened', { id: 'm-2' }, 'e-2'));
      const right = run.resume(pause.id, event('email/opened', { id: 'm-1' }, 'e-3'));
      // Assess
      expect(pause).toMatchObject({ runId: 'run-1', event: 'email/opened', expiresAt: run.now + 3_600_000 });
      expect(wrong).toBeUndefined();
      expect(right?.effects.removePauses.map((p) => p.id)).toEqual([pause.id]);
      expect(run.enqueued()).toEqual(['step:thank#0']);
      expect(run.snapshot.doc.steps.thank!.async?.id).toBe('e-3');
      expect(run.timer(`pause:${pause.id}`)).toBeUndefined();
    });

    it('skips the step on timeout without onTimeout, and the run completes', () => {
      // Prepare
      const run = new RunHarness(fn(false));
      run.outcome('send', ok({ id: 'm-1' }));
      const pause = run.last.effects.addPauses[0]!;
      // Act
      run.timer(`pause:${pause.id}`);
      // Assess
      expect(run.status('thank')).toBe('Skipped');
      expect(run.snapshot.doc.status).toBe('Completed');
      expect(run.resume(pause.id, event('email/opened', { id: 'm-1' }))).toBeUndefined();
    });

    it('runs the step with async = null on timeout with onTimeout', () => {
      // Prepare
      const run = new RunHarness(fn(true));
      run.outcome('send', ok({ id: 'm-1' }));
      // Act
      run.timer(`pause:${run.last.effects.addPauses[0]!.id}`);
      // Assess
      expect(run.enqueued()).toEqual(['step:thank#0']);
      expect(run.snapshot.doc.steps.thank!.async).toBeNull();
    });
  });

  describe('retries', () => {
    it('retries a retryable failure with backoff, keeping every error, then succeeds', () => {
      // Prepare
      const run = new RunHarness(compile({ retries: 2 }, { a: { after: [{ step: '$trigger' }] } }));
      // Act
      run.outcome('a', { kind: 'failure', error: 'HTTP 503', retryable: true });
      const firstRetry = run.last.effects.enqueue[0];
      run.outcome('a', { kind: 'failure', error: 'HTTP 502', retryable: true });
      const secondRetry = run.last.effects.enqueue[0];
      run.outcome('a', ok('fine'));
      // Assess
      expect(firstRetry).toMatchObject({ kind: 'step', attempt: 1, dueAt: run.now + 1000 });
      expect(secondRetry).toMatchObject({ kind: 'step', attempt: 2, dueAt: run.now + 2000 });
      expect(run.snapshot.doc.steps.a!.errors.map((e) => e.message)).toEqual(['HTTP 503', 'HTTP 502']);
      expect(run.snapshot.doc.steps.a!.attempts).toBe(3);
      expect(run.snapshot.doc.status).toBe('Completed');
    });

    it('fails the run when retries run out', () => {
      // Prepare
      const run = new RunHarness(compile({ retries: 1 }, { a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a' }] } }));
      // Act
      run.outcome('a', { kind: 'failure', error: 'boom', retryable: true });
      run.outcome('a', { kind: 'failure', error: 'boom again', retryable: true });
      // Assess
      expect(run.snapshot.doc.status).toBe('Failed');
      expect(run.snapshot.doc.reason).toContain("step 'a' failed after 2 attempt(s): boom again");
      expect(run.status('a')).toBe('Failed');
      expect(run.enqueued()).toEqual([]);
    });

    it('fails at once on a permanent failure', () => {
      // Prepare
      const run = new RunHarness(compile({ retries: 5 }, { a: { after: [{ step: '$trigger' }] } }));
      // Act
      run.outcome('a', { kind: 'failure', error: 'HTTP 404', retryable: false, output: { status: 404 } });
      // Assess
      expect(run.snapshot.doc.status).toBe('Failed');
      expect(run.snapshot.doc.steps.a!.errors).toEqual([{ attempt: 0, message: 'HTTP 404', output: { status: 404 }, at: run.now }]);
    });

    it('prefers the step retries over the function retries', () => {
      // Prepare
      const run = new RunHarness(compile({ retries: 0 }, { a: { after: [{ step: '$trigger' }], retries: { attempts: 1 } } }));
      // Act
      run.outcome('a', { kind: 'failure', error: 'flaky', retryable: true });
      // Assess
      expect(run.enqueued()).toEqual(['step:a#1']);
    });
  });

  describe('cancellation', () => {
    const fn = compile(
      { cancel: [{ event: 'user/deleted', if: 'async.data.id == event.data.id' }] },
      { a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a', wait: '1h' }] } },
    );

    it('cancels on a matching cancel event and drops later outcomes', () => {
      // Prepare
      const run = new RunHarness(fn, event('test/go', { id: 'u-1' }));
      const cancelPause = run.last.effects.addPauses[0]!;
      // Act
      const other = run.resume(cancelPause.id, event('user/deleted', { id: 'u-2' }, 'd-1'));
      const cancel = run.resume(cancelPause.id, event('user/deleted', { id: 'u-1' }, 'd-2'));
      // Assess
      expect(other).toBeUndefined();
      expect(cancel?.doc.status).toBe('Cancelled');
      expect(run.status('a')).toBe('Cancelled');
      expect(cancel?.effects.removePauses.map((p) => p.id)).toEqual([cancelPause.id]);
      expect(run.outcome('a', ok(1), 0)).toBeUndefined();
    });

    it('cancels through the API, clearing timers', () => {
      // Prepare
      const run = new RunHarness(fn, event('test/go', { id: 'u-1' }));
      run.outcome('a', ok(1));
      // Act
      const cancelled = cancelRun(run.snapshot, fn, 'by API', run.now);
      // Assess
      expect(cancelled?.doc).toMatchObject({ status: 'Cancelled', reason: 'by API', timers: {} });
      expect(cancelled?.doc.steps.b!.status).toBe('Cancelled');
      expect(cancelRun({ doc: cancelled!.doc, outputs: {} }, fn, 'again', run.now)).toBeUndefined();
    });
  });

  it('never changes the snapshot it starts from', () => {
    // Prepare
    const run = new RunHarness(compile({ retries: 1 }, {
      a: { after: [{ step: '$trigger' }] },
      b: { after: [{ step: 'a', if: 'false' }] },
      c: { after: [{ step: 'a', wait: '1m' }] },
    }));
    const before = JSON.stringify(run.snapshot);
    const snapshot = run.snapshot;
    // Act
    applyStepOutcome(snapshot, run.fn, 'a', 0, { kind: 'failure', error: 'x', retryable: true }, run.now, retry);
    applyStepOutcome(snapshot, run.fn, 'a', 0, ok(1), run.now, retry);
    cancelRun(snapshot, run.fn, 'stop', run.now);
    // Assess
    expect(JSON.stringify(snapshot)).toBe(before);
  });

  it('lists the pending work of a run for recovery', () => {
    // Prepare
    const run = new RunHarness(compile({}, { a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: '$trigger', wait: '1m' }] } }));
    // Act
    const work = pendingWork(run.snapshot.doc);
    // Assess
    expect(work.map((item) => (item.kind === 'step' ? item.stepId : item.timer)).sort()).toEqual(['a', 'edge:b:0']);
  });
});
