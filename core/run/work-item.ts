/** A message on the step queue. Items are idempotent: the run's state decides what still applies. */
export type WorkItem = StepWorkItem | TimerWorkItem;

/** Run one attempt of a step. */
export interface StepWorkItem {
  kind: 'step';
  runId: string;
  functionId: string;
  stepId: string;
  attempt: number;
  /** Not to run before this time (ms); queues deliver it then, whatever their own delay limits. */
  dueAt: number;
}

/** A point in time a run waits for: the end of an edge's `wait`, a pause's ttl. */
export interface TimerWorkItem {
  kind: 'timer';
  runId: string;
  functionId: string;
  /** `edge:<step>:<index>` for a wait, `pause:<pauseId>` for a pause's ttl. */
  timer: string;
  dueAt: number;
}
