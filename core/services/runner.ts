import type { StepstackEvent } from '../events/event';
import { cachedExpression } from '../expressions/cache';
import { type TakenBatch, admitRun } from '../flow/admit';
import { shapeStart, stillThrottled } from '../flow/start-shaping';
import type { CompiledFunction } from '../functions/compiled';
import type { IndexedPause } from '../ports/pause-index';
import { workOf } from '../run/pending-work';
import { planStart, topologyOf } from '../run/plan';
import { DAY_MS, type EngineDeps } from './deps';
import type { FunctionCatalog } from './function-catalog';
import { eventKept, runChanged, runStarted } from './run-changes';
import { invokedFunctions } from './sdk-invoked';
import { dropPauses, enqueueWork, indexPauses, recoverRun } from './work';

/**
 * Events one long-lived runner (local stack, ECS) handles at once. Each mostly waits on the state
 * store and the queues, so a deep backlog (a flood of one key's events) must drain quickly for an
 * event of another key behind it to start soon: 1,000 queued events on two stacks took 15 s at 10,
 * 4 s at 50.
 */
export const RUNNER_CONCURRENCY = 50;

export interface RunnerDeps extends EngineDeps {
  catalog: FunctionCatalog;
}

export interface Delivery {
  /** The message was delivered before: effects of an earlier, interrupted try may be missing. */
  redelivered: boolean;
}

/**
 * Take one event off the event stream: keep it, resume or cancel the runs waiting for it, and start
 * the runs of the functions it triggers. Idempotent: a redelivered or re-sent event starts nothing twice.
 */
export async function handleEvent(deps: RunnerDeps, event: StepstackEvent, delivery: Delivery): Promise<void> {
  await deps.state.saveEvent(event, deps.retentionMs);
  await eventKept(deps, event);
  await resumePausedRuns(deps, event, delivery);
  const functions = await deps.catalog.forEvent(event.name);
  await Promise.all(
    [...functions.filter((fn) => triggers(fn, event)), ...await invokedFunctions(deps.catalog, event)].map((fn) => startAdmitted(deps, fn, event, delivery)),
  );
}

/** Start `fn` for `event` as its flow control allows (SPEC section 3): now, later (debounce, batch), or never (a recorded skip). */
export async function startAdmitted(deps: EngineDeps, fn: CompiledFunction, event: StepstackEvent, delivery: Delivery, options: { debounced?: boolean } = {}): Promise<void> {
  const admission = await admitRun(deps, fn, event, options);
  if (admission.kind === 'start') await startRunFor(deps, fn, event, delivery);
  else if (admission.kind === 'batch') await startBatch(deps, fn, admission.batch, delivery);
}

/**
 * Start the run of a taken batch, then release the batch: until then, its events (redelivered) and
 * its timer get the batch again, and starting it again is idempotent (the run id is claimed by the
 * first event), so a crash in between loses nothing. Taken before: recover what a first try left undone.
 */
export async function startBatch(deps: EngineDeps, fn: CompiledFunction, batch: TakenBatch, delivery: Delivery): Promise<void> {
  const [first] = batch.events;
  if (first) await startRunFor(deps, fn, first, { redelivered: delivery.redelivered || batch.again }, { events: batch.events });
  await deps.state.flow.releaseBatch(batch.key, batch.batchId);
}

function triggers(fn: CompiledFunction, event: StepstackEvent): boolean {
  return fn.eventTriggers.some((trigger) => trigger.event === event.name && (!trigger.expression || trigger.expression.test({ event })));
}

/** Start `fn` for `event` once: the run id is claimed under (function, event id) for 24 hours. */
export async function startRunFor(
  deps: EngineDeps, fn: CompiledFunction, event: StepstackEvent, delivery: Delivery, options: { rerunOf?: string; events?: StepstackEvent[] } = {},
): Promise<string> {
  const now = deps.clock.now();
  const key = options.rerunOf === undefined ? `run:${fn.id}:${event.id}` : `rerun:${options.rerunOf}:${deps.newId(now)}`;
  // The claim links the event to its run too; a batch's other events are linked below.
  const runId = await deps.state.claimRun({ eventId: event.id, key, runId: deps.newId(now), ttlMs: DAY_MS, linkTtlMs: deps.retentionMs });
  // A batch's events, for its steps' input; every one of them links to the run.
  if (options.events) await deps.state.flow.saveRunEvents(runId, options.events, deps.retentionMs);
  const planned = planStart(fn, event, runId, now, deps.retentionMs, options.events);
  await indexPauses(deps, planned.index);
  const created = await deps.state.createRun({
    id: runId, functionId: fn.id, functionHash: fn.hash, definition: fn.definition, event, now,
    topology: topologyOf(fn), changes: planned.changes, ...(options.rerunOf === undefined ? {} : { rerunOf: options.rerunOf }),
  });
  await Promise.all((options.events ?? []).filter((linked) => linked.id !== event.id).map((linked) => deps.state.linkRun(linked.id, runId, deps.retentionMs)));
  if (created.outcome === 'exists') {
    // A run waiting for its throttle has no work to send again: it waits in the throttle's line.
    if (delivery.redelivered) await recoverRun(deps, runId, { noteHistory: true, throttled: await stillThrottled(deps, fn, event, runId) });
    return runId;
  }
  if (created.outcome !== 'committed') return runId;
  await enqueueWork(deps, await shapeStart(deps, fn, event, runId, workOf({ id: runId, functionId: fn.id, functionHash: fn.hash }, created, planned.changes.timers)));
  await dropPauses(deps, created);
  await runStarted(deps, { id: runId, functionId: fn.id, startedAt: now }, created.status);
  deps.logger.info('run started', { runId, functionId: fn.id, eventId: event.id });
  return runId;
}

/** Resume or cancel the runs whose pauses the event matches: found by index, tested on what each pause record holds. */
async function resumePausedRuns(deps: EngineDeps, event: StepstackEvent, delivery: Delivery): Promise<void> {
  const now = deps.clock.now();
  const candidates = await deps.state.candidatesFor(event, now);
  await Promise.all(candidates.filter((pause) => matches(pause, event)).map(async (pause) => {
    const result = await deps.state.resumePause({ runId: pause.runId, pauseId: pause.id, event, now });
    if (result.outcome !== 'committed') {
      // Gone from its run: resumed by an earlier try of this delivery (whose effects may be lost), or by another event.
      if (result.outcome === 'stale' && delivery.redelivered) await recoverRun(deps, pause.runId);
      await deps.state.dropPause(pause.event, pause.id);
      return;
    }
    await enqueueWork(deps, workOf({ id: pause.runId, functionId: pause.functionId }, result));
    await dropPauses(deps, result);
    await runChanged(deps, { id: pause.runId, functionId: pause.functionId }, result);
    deps.logger.info(pause.kind === 'cancel' ? 'run cancelled by event' : 'run resumed by event', { runId: pause.runId, pauseId: pause.id, eventId: event.id });
  }));
}

function matches(pause: IndexedPause, event: StepstackEvent): boolean {
  if (!pause.residual) return true;
  const { source, vars } = pause.residual;
  return cachedExpression(source).test({ event: vars.event ?? null, steps: vars.steps ?? {}, async: event });
}
