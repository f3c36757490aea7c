import type { LoadedRun } from '../ports/state';
import type { StepRecord } from '../run/run';

/** A run as the core API shows it (Inngest's REST shape). */
export interface RunView {
  run_id: string;
  function_id: string;
  event_id: string;
  status: string;
  run_started_at: string;
  ended_at: string | null;
  output: Record<string, unknown> | null;
  reason?: string;
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

export function toRunView(run: LoadedRun, now: number): RunView {
  const steps: Record<string, StepView> = {};
  for (const [stepId, step] of Object.entries(run.doc.steps)) {
    if (step.status === 'Pending') continue;
    steps[stepId] = {
      status: shownStatus(step, (run.leases[stepId] ?? 0) > now),
      output: run.outputs[stepId] ?? null,
      attempts: step.attempts,
      error: step.errors.at(-1)?.message ?? null,
      errors: step.errors.map((error) => ({ attempt: error.attempt, message: error.message, at: new Date(error.at).toISOString() })),
    };
  }
  return {
    run_id: run.doc.id,
    function_id: run.doc.functionId,
    event_id: run.doc.eventId,
    status: run.doc.status,
    run_started_at: new Date(run.doc.startedAt).toISOString(),
    ended_at: iso(run.doc.endedAt),
    output: run.doc.output,
    ...(run.doc.reason === undefined ? {} : { reason: run.doc.reason }),
    steps,
  };
}

function shownStatus(step: StepRecord, leased: boolean): string {
  if (step.status === 'Scheduled' && leased) return 'Running';
  return step.status;
}
