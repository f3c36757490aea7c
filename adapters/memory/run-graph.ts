import type { EdgeAddress, EdgeUpdate, PausePlan, RunMeta, ScheduledStep, TimerPlan } from '../../core/ports/run-store';
import type { EdgeStatus, StepStatus } from '../../core/run/run';

/** One run as the memory store keeps it: JSON strings where callers hand values in, so nothing is shared. */
export interface MemoryRun {
  /** The format the run was written in: always this release's, unless a test rewrote it. */
  format: number;
  meta: RunMeta;
  /** Steps not yet Completed or Skipped: the run completes when none is left. */
  open: number;
  /** Bytes of the outputs held (as JSON, UTF-8). */
  outputBytes: number;
  event: string;
  definition: string;
  steps: Map<string, MemoryStep>;
  outputs: Map<string, string>;
  timers: Map<string, TimerPlan>;
  pauses: Map<string, PausePlan>;
  leases: Map<string, { owner: string; until: number }>;
}

export interface MemoryStep {
  status: StepStatus;
  attempt: number;
  attempts: number;
  /** JSON of the attempt errors. */
  errors: string;
  edges: EdgeStatus[];
  /** Edges not yet fired or never (pending or waiting). */
  unresolved: number;
  fired: number;
  waiting: number;
  /** JSON of the awaited event that fired an async edge into the step. */
  async: string | null;
  dueAt?: number;
  endedAt?: number;
  children: EdgeAddress[];
  /** JSON of the `op` a discovered step was added with. */
  op?: string;
}

/** What a change did, for its caller to act on. */
export interface ChangeLog {
  scheduled: ScheduledStep[];
  droppedPauses: PausePlan[];
}

/**
 * Resolve one edge and follow what it completes: a step whose last unresolved edge resolves is
 * scheduled when one of its edges fired and skipped otherwise, and a skipped step resolves its own
 * children's edges as never (iteratively: input decides the depth). Resolving an edge twice is a no-op.
 * The same rules as the Redis store's Lua (adapters/redis/lua/graph.ts): one conformance suite tests both.
 */
export function resolveEdge(run: MemoryRun, first: EdgeUpdate, now: number, log: ChangeLog, asyncJson?: string): void {
  const work: { update: EdgeUpdate; asyncJson?: string }[] = [{ update: first, ...(asyncJson === undefined ? {} : { asyncJson }) }];
  while (work.length > 0) {
    const { update, asyncJson: awaited } = work.pop()!;
    const step = run.steps.get(update.step);
    const current = step?.edges[update.edge];
    if (!step || current === undefined || current === 'fired' || current === 'never') continue;
    if (update.to === 'waiting') {
      if (current === 'pending') {
        step.edges[update.edge] = 'waiting';
        step.waiting += 1;
        if (step.status === 'Pending') step.status = 'Waiting';
      }
      continue;
    }
    step.edges[update.edge] = update.to;
    if (current === 'waiting') step.waiting -= 1;
    if (awaited !== undefined) step.async = awaited;
    if (update.to === 'fired') step.fired += 1;
    step.unresolved -= 1;
    if (step.status !== 'Pending' && step.status !== 'Waiting') continue;
    if (step.unresolved > 0) {
      step.status = step.waiting > 0 ? 'Waiting' : 'Pending';
      continue;
    }
    if (step.fired > 0) {
      step.status = 'Scheduled';
      step.attempt = 0;
      step.dueAt = now;
      log.scheduled.push({ stepId: update.step, attempt: 0, dueAt: now });
    } else {
      step.status = 'Skipped';
      step.endedAt = now;
      run.open -= 1;
      for (const child of step.children) work.push({ update: { ...child, to: 'never' } });
    }
  }
}

/** End the run: no timer or pause outlives it (the pauses go to the log, to leave the index). */
export function endRun(run: MemoryRun, status: 'Completed' | 'Failed' | 'Cancelled', now: number, log: ChangeLog, reason?: string): void {
  run.meta.status = status;
  run.meta.endedAt = now;
  if (reason !== undefined) run.meta.reason = reason;
  run.timers.clear();
  log.droppedPauses.push(...run.pauses.values());
  run.pauses.clear();
}

/** Complete a running run whose every step completed or was skipped. */
export function completeIfDone(run: MemoryRun, now: number, log: ChangeLog): void {
  if (run.meta.status === 'Running' && run.open <= 0) endRun(run, 'Completed', now, log);
}
