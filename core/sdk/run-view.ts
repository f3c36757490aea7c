import { compileKnown } from '../functions/compile';
import type { StoredRun } from '../ports/run-store';
import { isCallStep, isSdkFunction } from './ids';
import { isMemo } from './memo';

/** A step as the core API shows it (the shape of core/services/run-view.ts). */
interface SdkStepView {
  status: string;
  output: unknown;
  attempts: number;
  error: string | null;
  errors: { attempt: number; message: string; at: string }[];
}

/**
 * The steps of an SDK run as the core API shows them (SPEC section 4): keyed by the code's step ids,
 * outputs as the code got them, a step whose error went back to the code shown Failed. The calls of
 * the app are left out. Undefined for a run of another function.
 */
export function sdkStepsView(run: StoredRun): ((now: number) => Record<string, SdkStepView>) | undefined {
  const fn = compileKnown(run.functionHash, () => run.definition);
  if (!isSdkFunction(fn)) return undefined;
  return (now) => {
    const steps: Record<string, SdkStepView> = {};
    for (const [stepId, step] of Object.entries(run.steps)) {
      if (isCallStep(stepId) || step.status === 'Pending') continue;
      const memo = run.outputs[stepId];
      const failed = isMemo(memo) && memo.type === 'error';
      const ended = run.status !== 'Running' && (step.status === 'Scheduled' || step.status === 'Waiting');
      const running = step.status === 'Scheduled' && (run.leases[stepId] ?? 0) > now;
      const errors = step.errors.map((error) => ({ attempt: error.attempt, message: error.message, at: new Date(error.at).toISOString() }));
      steps[stepId] = {
        status: failed ? 'Failed' : ended ? 'Cancelled' : running ? 'Running' : step.status,
        output: isMemo(memo) && memo.type === 'data' ? memo.data : null,
        attempts: step.attempts,
        error: failed ? `${memo.error.name}: ${memo.error.message}` : (step.errors.at(-1)?.message ?? null),
        errors,
      };
    }
    return steps;
  };
}

/** What the function returned: the data of the call that got its result. */
export function sdkRunResult(run: StoredRun): unknown {
  for (const [stepId, output] of Object.entries(run.outputs)) {
    if (isCallStep(stepId) && isMemo(output) && output.type === 'data') return output.data;
  }
  return null;
}
