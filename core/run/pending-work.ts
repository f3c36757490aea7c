import type { CommitResult, RunMeta, ScheduledStep, StoredRun } from '../ports/run-store';
import { WORK_ITEM_FORMAT, type StepWorkItem, type TimerWorkItem, type WorkItem } from './work-item';

/** The work item of a scheduled step. */
export function stepItem(run: RunIdentity, step: ScheduledStep): StepWorkItem {
  return {
    format: WORK_ITEM_FORMAT, kind: 'step', runId: run.id, functionId: run.functionId, ...hashOf(run),
    stepId: step.stepId, attempt: step.attempt, dueAt: step.dueAt,
  };
}

/** Who a work item is for; the hash is left out when the caller does not know it. */
export type RunIdentity = Pick<RunMeta, 'id' | 'functionId'> & { functionHash?: string };

const hashOf = (run: RunIdentity): { functionHash?: string } => (run.functionHash ? { functionHash: run.functionHash } : {});

/** The work a committed change calls for: its scheduled steps and the timers it armed. */
export function workOf(run: RunIdentity, result: Extract<CommitResult, { outcome: 'committed' }>, timers: { id: string; dueAt: number }[] = []): WorkItem[] {
  if (result.status !== 'Running') return [];
  const items: WorkItem[] = result.scheduled.map((step) => stepItem(run, step));
  for (const timer of timers) items.push(timerItem(run, timer));
  return items;
}

/**
 * Every work item the run's state implies, for recovery after a crash may have lost them. Steps that
 * hold a live lease are left out (their holder's own message still covers them) unless `leased`: then
 * they are sent due when the lease ends. A step item's recovery asks for that, because the lease its
 * commit handed on to the next step of a chain has no message but that very item; a live holder
 * makes the copy meet `busy`, which costs no receive budget.
 */
export function pendingWork(run: StoredRun, now: number, options: { leased?: boolean } = {}): WorkItem[] {
  if (run.status !== 'Running') return [];
  const items: WorkItem[] = [];
  for (const [stepId, step] of Object.entries(run.steps)) {
    const leasedUntil = run.leases[stepId] ?? 0;
    if (step.status !== 'Scheduled' || (leasedUntil > now && !options.leased)) continue;
    items.push(stepItem(run, { stepId, attempt: step.attempt, dueAt: Math.max(step.dueAt ?? now, leasedUntil) }));
  }
  for (const timer of run.timers) items.push(timerItem(run, timer));
  return items;
}

function timerItem(run: RunIdentity, timer: { id: string; dueAt: number }): TimerWorkItem {
  return { format: WORK_ITEM_FORMAT, kind: 'timer', runId: run.id, functionId: run.functionId, ...hashOf(run), timer: timer.id, dueAt: timer.dueAt };
}
