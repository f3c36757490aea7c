import { compileKnown } from '../functions/compile';
import type { StoredRun, StoredStep } from '../ports/run-store';
import { sdkRunResult, sdkStepsView } from '../sdk/run-view';

/** A run as the core API shows it (Inngest's REST shape, SPEC section 6). */
export interface RunView {
  run_id: string;
  function_id: string;
  event_id: string;
  status: string;
  run_started_at: string;
  ended_at: string | null;
  /** By step id; for an SDK function, its return value. */
  output: unknown;
  reason: string | null;
  rerun_of: string | null;
  steps: Record<string, StepView>;
}

export interface StepView {
  status: string;
  output: unknown;
  attempts: number;
  error: string | null;
  errors: { attempt: number; message: string; at: string }[];
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export function toRunView(run: StoredRun, now: number): RunView {
  const steps: Record<string, StepView> = {};
  const sdk = sdkStepsView(run);
  for (const [stepId, step] of sdk ? [] : Object.entries(run.steps)) {
    if (step.status === 'Pending') continue;
    steps[stepId] = {
      status: shownStatus(run, step, (run.leases[stepId] ?? 0) > now),
      output: run.outputs[stepId] ?? null,
      attempts: step.attempts,
      error: step.errors.at(-1)?.message ?? null,
      errors: step.errors.map((error) => ({ attempt: error.attempt, message: error.message, at: new Date(error.at).toISOString() })),
    };
  }
  return {
    run_id: run.id,
    function_id: run.functionId,
    event_id: run.eventId,
    status: run.status,
    run_started_at: new Date(run.startedAt).toISOString(),
    ended_at: iso(run.endedAt),
    output: run.status === 'Completed' ? runResult(run) : null,
    reason: run.reason ?? null,
    rerun_of: run.rerunOf ?? null,
    steps: sdk ? sdk(now) : steps,
  };
}

/** A completed run's result: the outputs of the steps that ended it (completed steps none of whose children completed); for an SDK function, its return value. */
export function runResult(run: StoredRun): unknown {
  if (sdkStepsView(run)) return sdkRunResult(run);
  const fn = compileKnown(run.functionHash, () => run.definition);
  const output: Record<string, unknown> = {};
  for (const [stepId, step] of Object.entries(run.steps)) {
    if (step.status !== 'Completed') continue;
    const children = fn.steps.get(stepId)?.children ?? [];
    if (!children.some((child) => run.steps[child.step]?.status === 'Completed')) output[stepId] = run.outputs[stepId] ?? null;
  }
  return output;
}

/** A step still scheduled or waiting when its run ended was cancelled with it. */
function shownStatus(run: StoredRun, step: StoredStep, leased: boolean): string {
  if (run.status !== 'Running' && (step.status === 'Scheduled' || step.status === 'Waiting')) return 'Cancelled';
  if (step.status === 'Scheduled' && leased) return 'Running';
  return step.status;
}
