import type { StepstackEvent } from '../events/event';
import type { CompiledFunction } from '../functions/compiled';
import type { StepOutcome } from '../ports/driver';
import type { AttemptCommit } from '../ports/run-store';
import { type RetrySettings, retryDelayMs } from './backoff';
import { type PlannedChanges, planEdgesFrom } from './plan';
import type { AttemptError } from './run';

export interface AttemptContext {
  runId: string;
  event: StepstackEvent;
  /** The outputs the step read. */
  steps: Record<string, unknown>;
  async: StepstackEvent | null;
  /** The run's events when it has a batch. */
  events?: StepstackEvent[];
  /** The step's history before this attempt. */
  attempts: number;
  errors: AttemptError[];
  now: number;
  retry: RetrySettings;
}

/**
 * The commit that settles one attempt of a step: its output and the edges it resolves on success; a
 * retry (with backoff) or the run's failure otherwise. Also the pauses to index first.
 */
export function planAttempt(
  fn: CompiledFunction, stepId: string, attempt: number, outcome: StepOutcome, context: AttemptContext,
): { commit: Omit<AttemptCommit, 'release' | 'leaseNext'>; index: PlannedChanges['index'] } {
  const step = fn.steps.get(stepId);
  if (!step) throw new Error(`run ${context.runId}: function ${fn.id} has no step '${stepId}'`);
  const base = { runId: context.runId, stepId, attempt, now: context.now, attempts: context.attempts + 1 };
  if (outcome.kind === 'success') {
    let steps: Record<string, unknown> | undefined;
    const planned = planEdgesFrom(fn, step.children, {
      runId: context.runId, now: context.now, event: context.event, parentAsync: context.async, response: outcome.output, ...(context.events ? { events: context.events } : {}),
      // Copied only when an edge reads it (an `if` or an async match): in a chain the copy grows with the step's depth.
      get steps() {
        return (steps ??= { ...context.steps, [stepId]: outcome.output });
      },
    });
    return {
      commit: { ...base, result: { kind: 'completed', output: outcome.output }, errors: context.errors, changes: planned.changes },
      index: planned.index,
    };
  }
  const error: AttemptError = { attempt, message: outcome.error, ...(outcome.output === undefined ? {} : { output: outcome.output }), at: context.now };
  const errors = [...context.errors, error];
  if (outcome.retryable && attempt < step.retries) {
    return { commit: { ...base, errors, result: { kind: 'retry', retryAt: context.now + retryDelayMs(attempt + 1, context.retry) } }, index: [] };
  }
  const reason = `step '${stepId}' failed after ${base.attempts} attempt(s): ${outcome.error}`;
  return { commit: { ...base, errors, result: { kind: 'failed', reason } }, index: [] };
}
