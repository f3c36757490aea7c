import type { StepstackEvent } from '../events/event';
import type { SkipReason } from '../ports/flow-store';
import { WORK_ITEM_FORMAT, type FlowWorkItem, type WorkItem } from '../run/work-item';
import type { EngineDeps } from '../services/deps';
import { runChanged } from '../services/run-changes';
import { dropPauses, enqueueWork } from '../services/work';

/** A flow-control timer for the step queue. */
export function flowItem(fields: Omit<FlowWorkItem, 'format' | 'kind'>): FlowWorkItem {
  return { format: WORK_ITEM_FORMAT, kind: 'flow', ...fields };
}

/** Send the work items woken from a concurrency key (their JSON as parked). */
export async function sendWoken(deps: EngineDeps, bodies: string[]): Promise<void> {
  if (bodies.length > 0) await enqueueWork(deps, bodies.map((json) => JSON.parse(json) as WorkItem));
}

/** An event started no run of a function: keep why (GET /v1/events/{id}), count and log it. */
export async function recordSkip(deps: EngineDeps, functionId: string, event: Pick<StepstackEvent, 'id'>, reason: SkipReason): Promise<void> {
  await deps.state.flow.recordSkip(event.id, { function_id: functionId, reason }, deps.retentionMs);
  deps.metrics?.count('flow_skips', { function_id: functionId, reason });
  deps.logger.info('event started no run: flow control', { functionId, eventId: event.id, reason });
}

/** Work held back by flow control (a step waiting for a slot, a start waiting for its throttle, a debounce or batch): counted. */
export function countWait(deps: EngineDeps, functionId: string, kind: 'concurrency' | 'throttle' | 'debounce' | 'batch'): void {
  deps.metrics?.count('flow_waits', { function_id: functionId, kind });
}

/** End a run as Cancelled with a reason (a timeout, a singleton replaced); false when it had ended already. */
export async function cancelWithReason(deps: EngineDeps, runId: string, reason: string): Promise<boolean> {
  const ended = await deps.state.endRun({ runId, status: 'Cancelled', reason, now: deps.clock.now() });
  await dropPauses(deps, ended);
  if (ended.outcome === 'committed') {
    const run = await deps.state.loadRun(runId);
    if (run) await runChanged(deps, run, ended);
    deps.logger.info('run cancelled by flow control', { runId, reason });
  }
  return ended.outcome === 'committed';
}
