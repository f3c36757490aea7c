import type { StepstackEvent } from '../events/event';
import type { CompiledFunction } from '../functions/compiled';
import type { StepOutcome } from '../ports/driver';
import type { AttemptCommit } from '../ports/run-store';
import { type RetrySettings, retryDelayMs } from './backoff';
import { type PlannedChanges, planEdgesFrom } from './plan';
import { jsonOf } from './step-input-json';
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
): { commit: AttemptCommit; index: PlannedChanges['index'] } {
  const step = fn.steps.get(stepId);
  if (!step) throw new Error(`run ${context.runId}: function ${fn.id} has no step '${stepId}'`);
  const { runId, now } = context;
  const attempts = context.attempts + 1;
  // Commits are written out field by field, not spread from a common base: this runs once per step.
  if (outcome.kind === 'success') {
    const planned = planEdgesFrom(fn, step.children, {
      runId, now, event: context.event, steps: context.steps, parent: stepId, parentAsync: context.async, response: outcome.output,
      ...(context.events ? { events: context.events } : {}),
    });
    return {
      commit: { runId, stepId, attempt, now, attempts, result: { kind: 'completed', output: outcome.output, json: jsonOf(outcome.output) }, errors: context.errors, changes: planned.changes },
      index: planned.index,
    };
  }
  const error: AttemptError = { attempt, message: outcome.error, ...(outcome.output === undefined ? {} : { output: outcome.output }), at: now };
  const errors = [...context.errors, error];
  if (outcome.retryable && attempt < step.retries) {
    return { commit: { runId, stepId, attempt, now, attempts, errors, result: { kind: 'retry', retryAt: now + retryDelayMs(attempt + 1, context.retry) } }, index: [] };
  }
  const reason = `step '${stepId}' failed after ${attempts} attempt(s): ${outcome.error}`;
  return { commit: { runId, stepId, attempt, now, attempts, errors, result: { kind: 'failed', reason } }, index: [] };
}
