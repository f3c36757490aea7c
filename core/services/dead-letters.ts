import { compileForRun } from './compile-run';
import { failRun } from '../run/transitions';
import type { WorkItem } from '../run/work-item';
import { commitTransition } from './commit';
import type { EngineDeps } from './deps';

/**
 * A work item that kept failing to be processed (a platform fault, not a step failure) reached the
 * dead-letter queue: its run is marked Failed with the reason, so nothing is silently dropped.
 */
export async function handleDeadWorkItem(deps: EngineDeps, item: WorkItem, receiveCount: number): Promise<void> {
  const what = item.kind === 'step' ? `step '${item.stepId}' (attempt ${item.attempt})` : `timer '${item.timer}'`;
  const reason = `platform fault: the work item for ${what} could not be processed after ${receiveCount} deliveries and was moved to the dead-letter queue`;
  const failed = await commitTransition(deps, item.runId, (run) => failRun(run, compileForRun(run), reason, deps.clock.now()));
  deps.logger.error('work item dead-lettered', { runId: item.runId, item, failedRun: Boolean(failed) });
}
