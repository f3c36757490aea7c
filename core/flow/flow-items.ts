import { formatDuration } from '../duration';
import { compileFunction } from '../functions/compile';
import type { CompiledFunction } from '../functions/compiled';
import type { FlowWorkItem } from '../run/work-item';
import type { EngineDeps } from '../services/deps';
import { startAdmitted, startBatch } from '../services/runner';
import { enqueueWork } from '../services/work';
import { flowOf } from './compiled-flow';
import { TAKEN_BATCH_MS } from './admit';
import { cancelWithReason, flowItem, sendWoken } from './flow-work';
import { inArrivalOrder } from './keys';
import { wakeThrottled } from './start-shaping';
import { startedKey } from './step-flow';

/** Handle a flow-control timer from the step queue: wake a concurrency key or a throttle's line, start a debounced or batched run, end a run past a timeout. */
export async function handleFlowItem(deps: EngineDeps & { leaseMs: number }, item: FlowWorkItem, delivery: { receiveCount: number }): Promise<void> {
  if (item.action !== 'wake' && item.dueAt > deps.clock.now()) {
    // Early (a queue may deliver up to a second early): a window or batch taken before it is due would be skipped, a timeout would cut short.
    await enqueueWork(deps, [item]);
    return;
  }
  const redelivered = { redelivered: delivery.receiveCount > 1 };
  if (item.action === 'wake') {
    const limit = item.limit ?? 1;
    const key = item.key ?? '';
    const { woken, guardAt } = await deps.state.flow.wakeSlots({ key, limit, now: deps.clock.now(), reserveMs: deps.leaseMs });
    await sendWoken(deps, woken);
    if (guardAt !== undefined) await enqueueWork(deps, [flowItem({ action: 'wake', runId: '', functionId: item.functionId, key, limit, dueAt: guardAt + 1 })]);
    return;
  }
  if (item.action === 'throttle') {
    await wakeThrottled(deps, item, redelivered.redelivered);
    return;
  }
  if (item.action === 'debounce') {
    const event = await deps.state.flow.takeDebounced(item.key ?? '', item.eventId ?? '', deps.clock.now());
    const fn = event && (await functionNamed(deps, item.functionId));
    if (event && fn) await startAdmitted(deps, fn, event, redelivered, { debounced: true });
    return;
  }
  if (item.action === 'batch') {
    const key = item.key ?? '';
    const batchId = item.batchId ?? '';
    const taken = await deps.state.flow.takeBatch(key, { batchId, keepMs: TAKEN_BATCH_MS, now: deps.clock.now() });
    const fn = taken && (await functionNamed(deps, item.functionId));
    if (taken && fn) await startBatch(deps, fn, { key, batchId, events: inArrivalOrder(taken.events), again: taken.again }, redelivered);
    return;
  }
  await timeOut(deps, item);
}

async function timeOut(deps: EngineDeps, item: FlowWorkItem): Promise<void> {
  const run = await deps.state.loadRun(item.runId);
  if (run?.status !== 'Running') return;
  const timeouts = flowOf(compileFunction(run.definition)).timeouts;
  if (item.timeout === 'start') {
    // Claimed as `never` unless a step claimed its start first: then no step can count as the first any more.
    if ((await deps.state.claimKey(startedKey(item.runId), 'never', deps.retentionMs)) !== 'never') return;
    const limit = timeouts?.startMs === undefined ? '' : ` within ${formatDuration(timeouts.startMs)} of its event`;
    await cancelWithReason(deps, run, `timeouts.start: no step started${limit}`);
    return;
  }
  const limit = timeouts?.finishMs === undefined ? '' : ` within ${formatDuration(timeouts.finishMs)} of its first step starting`;
  await cancelWithReason(deps, run, `timeouts.finish: the run did not end${limit}`);
}

async function functionNamed(deps: EngineDeps, id: string): Promise<CompiledFunction | undefined> {
  const definition = await deps.state.getFunction(id);
  if (!definition) deps.logger.warn('flow-control timer for a function that no longer exists', { functionId: id });
  return definition && compileFunction(definition);
}
