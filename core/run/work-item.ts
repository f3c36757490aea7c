/** A message on the step queue. Items are idempotent: the run's state decides what still applies. */
export type WorkItem = StepWorkItem | TimerWorkItem | FlowWorkItem;

/** The format of work items; a reader refuses another and leaves the message in place (SPEC section 5). */
export const WORK_ITEM_FORMAT = 2;

interface WorkItemBase {
  format: typeof WORK_ITEM_FORMAT;
  runId: string;
  functionId: string;
  /** The hash of the definition the run started on: lets an executor plan the step before reading the run. */
  functionHash?: string;
  /** Not to run before this time (ms); queues deliver it then, whatever their own delay limits. */
  dueAt: number;
}

/** Run one attempt of a step. */
export interface StepWorkItem extends WorkItemBase {
  kind: 'step';
  stepId: string;
  attempt: number;
  /** Times an executor put it back because its function held its share of the slots. @default 0 */
  deferrals?: number;
  /** The concurrency keys it waited on (core/flow/concurrency.ts): a slot reserved for it is given back if it cannot run. */
  slots?: { key: string; limit: number }[];
}

/** A point in time a run waits for: the end of an edge's `wait`, a pause's ttl. */
export interface TimerWorkItem extends WorkItemBase {
  kind: 'timer';
  timer: string;
}

/**
 * Flow control's own timers (core/flow/flow-items.ts): wake the waiters of a concurrency key whose
 * holder's lease lapsed, release the next starts waiting on a throttle, start a debounced or batched
 * run, or end a run past its timeout. `runId` is the run concerned, or empty before one exists.
 */
export interface FlowWorkItem extends WorkItemBase {
  kind: 'flow';
  action: 'wake' | 'debounce' | 'batch' | 'timeout' | 'throttle';
  /** The flow-control key (wake, throttle, debounce, batch). */
  key?: string;
  /** The concurrency limit of the key (wake). */
  limit?: number;
  /** The throttle's GCRA interval and tolerance (throttle). */
  emissionMs?: number;
  toleranceMs?: number;
  /** The pending event (debounce) or the batch (batch). */
  eventId?: string;
  batchId?: string;
  /** Which timeout (timeout). */
  timeout?: 'start' | 'finish';
}
