import { checkFormat } from '../format';
import { WORK_ITEM_FORMAT, type WorkItem } from '../run/work-item';
import type { EngineDeps } from './deps';
import { runChanged } from './run-changes';
import { dropPauses, recoverRun } from './work';

/**
 * A work item that kept failing to be processed reached the dead-letter queue. Only work that is truly
 * stuck fails its run (SPEC section 5): an item whose attempt or timer is spent is a stale duplicate
 * (its run's pending work is sent again, in case the item was the one carrying it), and an item whose
 * step another executor is running goes back to the queue until that lease ends.
 */
export async function handleDeadWorkItem(deps: EngineDeps, item: WorkItem, receiveCount: number): Promise<void> {
  checkFormat('work item', item.format, WORK_ITEM_FORMAT);
  if (item.kind === 'flow') {
    // A flow-control timer (wake, debounce, batch, timeout) that keeps failing: nothing else to retry it on.
    deps.logger.error('flow-control work item dead-lettered', { item, receiveCount });
    return;
  }
  const run = await deps.state.loadRun(item.runId);
  if (!run || run.status !== 'Running') return;
  const now = deps.clock.now();
  if (item.kind === 'step') {
    const step = run.steps[item.stepId];
    if (step?.status !== 'Scheduled' || step.attempt !== item.attempt) {
      await recoverRun(deps, item.runId, { leased: true });
      return;
    }
    const leasedUntil = run.leases[item.stepId] ?? 0;
    if (leasedUntil > now) {
      await deps.queue.send([{ body: item, delayMs: leasedUntil - now + 100 }]);
      return;
    }
  } else if (!run.timers.some((timer) => timer.id === item.timer)) {
    await recoverRun(deps, item.runId);
    return;
  }
  const what = item.kind === 'step' ? `step '${item.stepId}' (attempt ${item.attempt})` : `timer '${item.timer}'`;
  const reason = `platform fault: the work item for ${what} could not be processed after ${receiveCount} deliveries and was moved to the dead-letter queue`;
  const ended = await deps.state.endRun({ runId: item.runId, status: 'Failed', reason, now });
  await dropPauses(deps, ended);
  await runChanged(deps, run, ended);
  deps.logger.error('work item dead-lettered: run failed', { runId: item.runId, item });
}
