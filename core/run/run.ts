import type { StepstackEvent } from '../events/event';

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

export interface StepRecord {
  status: StepStatus;
  /** The attempt that is scheduled or running, 0 for the first try. */
  attempt: number;
  /** How many attempts ran to an outcome. */
  attempts: number;
  errors: AttemptError[];
  edges: EdgeStatus[];
  /** The awaited event that fired an async edge into this step, else null. */
  async: StepstackEvent | null;
  /** When the scheduled attempt becomes due (ms). */
  dueAt?: number;
  endedAt?: number;
}

/** What a run waits for: an event for an async edge, or a cancelling event. */
export interface PauseRef {
  kind: 'async' | 'cancel';
  event: string;
  /** For async pauses, the edge it resolves. */
  step?: string;
  edge?: number;
  /** Index into the function's cancel rules, for cancel pauses. */
  rule?: number;
  expiresAt: number;
}

/**
 * Everything the engine knows of a run except step outputs (kept apart so that a commit does not
 * rewrite them all). `version` grows by one on every commit: commits are compare-and-set on it.
 */
export interface RunDoc {
  id: string;
  functionId: string;
  functionHash: string;
  eventId: string;
  event: StepstackEvent;
  status: RunStatus;
  startedAt: number;
  endedAt?: number;
  version: number;
  steps: Record<string, StepRecord>;
  pauses: Record<string, PauseRef>;
  /** Points in time the run waits for, by timer id (see TimerWorkItem), to the time (ms) they are due. */
  timers: Record<string, number>;
  /** Outputs of the steps that ended the run, by step id. */
  output: Record<string, unknown> | null;
  /** Why the run failed or was cancelled. */
  reason?: string;
}

/** A run as the engine reads it. */
export interface RunSnapshot {
  doc: RunDoc;
  /** Step outputs by step id. */
  outputs: Record<string, unknown>;
}

/** The document without its trigger event: stores keep the event once, apart from what commits rewrite. */
export function withoutEvent(doc: RunDoc): Omit<RunDoc, 'event'> {
  const { event: _event, ...rest } = doc;
  return rest;
}
