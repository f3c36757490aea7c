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
  return [
    ...result.scheduled.map((step) => stepItem(run, step)),
    ...timers.map((timer) => timerItem(run, timer)),
  ];
}

/**
 * Every work item the run's state implies, for recovery after a crash may have lost them. A step that
 * holds a live lease is sent too, due when that lease ends: a lease a commit handed to the next step
 * of a chain has no message of its own (the message recovering may be the very one that covered it),
 * and when its holder is alive the item meets that lease and waits again at no cost to the budget.
 */
export function pendingWork(run: StoredRun, now: number): WorkItem[] {
  if (run.status !== 'Running') return [];
  const items: WorkItem[] = [];
  for (const [stepId, step] of Object.entries(run.steps)) {
    if (step.status !== 'Scheduled') continue;
    const dueAt = Math.max(step.dueAt ?? now, run.leases[stepId] ?? 0);
    items.push(stepItem(run, { stepId, attempt: step.attempt, dueAt }));
  }
  for (const timer of run.timers) items.push(timerItem(run, timer));
  return items;
}

function timerItem(run: RunIdentity, timer: { id: string; dueAt: number }): TimerWorkItem {
  return { format: WORK_ITEM_FORMAT, kind: 'timer', runId: run.id, functionId: run.functionId, ...hashOf(run), timer: timer.id, dueAt: timer.dueAt };
}
