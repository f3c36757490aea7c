export type RunStatus = 'Running' | 'Completed' | 'Failed' | 'Cancelled';

/**
 * Internal step statuses. `Pending` (not reached yet) is never shown by the API; `Running` is shown
 * for a `Scheduled` step whose attempt holds a live lease.
 */
export type StepStatus = 'Pending' | 'Scheduled' | 'Waiting' | 'Completed' | 'Failed' | 'Skipped' | 'Cancelled';

/** The state of one `after` edge of a step. */
export type EdgeStatus = 'pending' | 'waiting' | 'fired' | 'never';

export interface AttemptError {
  attempt: number;
  message: string;
  /** The step's output for that attempt, when it gave one (an HTTP response, a container's JSON). */
  output?: unknown;
  at: number;
}
