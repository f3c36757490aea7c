import type { StepstackEvent } from '../events/event';
import type { CompiledFunction } from '../functions/compiled';
import { compileForRun } from './compile-run';
import { applyPauseEvent, pendingWork, startRun } from '../run/transitions';
import { commitTransition, enqueueWork } from './commit';
import { DAY_MS, type EngineDeps } from './deps';
import type { FunctionCatalog } from './function-catalog';

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
  await resumePausedRuns(deps, event);
  const functions = await deps.catalog.forEvent(event.name);
  await Promise.all(
    functions.filter((fn) => triggers(fn, event)).map((fn) => startRunFor(deps, fn, event, delivery)),
  );
}

function triggers(fn: CompiledFunction, event: StepstackEvent): boolean {
  return fn.eventTriggers.some((trigger) => trigger.event === event.name && (!trigger.expression || trigger.expression.test({ event })));
}

/** Start `fn` for `event` once: the run id is claimed under (function, event id) for 24 hours. */
export async function startRunFor(deps: EngineDeps, fn: CompiledFunction, event: StepstackEvent, delivery: Delivery): Promise<string> {
  const now = deps.clock.now();
  const runId = await deps.state.claimKey(`run:${fn.id}:${event.id}`, deps.newId(now), DAY_MS);
  const started = startRun(fn, event, runId, now);
  await Promise.all(started.effects.addPauses.map((pause) => deps.state.addPause(pause)));
  const created = await deps.state.createRun(started.doc, fn.definition);
  await deps.state.linkRun(event.id, runId, deps.retentionMs);
  if (created) {
    await enqueueWork(deps, started.effects.enqueue);
    deps.logger.info('run started', { runId, functionId: fn.id, eventId: event.id });
  } else if (delivery.redelivered) {
    const existing = await deps.state.loadRun(runId);
    if (existing) await enqueueWork(deps, pendingWork(existing.doc));
  }
  return runId;
}

async function resumePausedRuns(deps: EngineDeps, event: StepstackEvent): Promise<void> {
  const now = deps.clock.now();
  const pauses = await deps.state.pausesFor(event.name, now);
  await Promise.all(
    pauses.map(async (pause) => {
      const run = await deps.state.loadRun(pause.runId);
      if (!run?.doc.pauses[pause.id]) {
        await deps.state.removePause(pause.event, pause.id);
        return;
      }
      const fn = compileForRun(run);
      const resumed = await commitTransition(deps, pause.runId, (current) => applyPauseEvent(current, fn, pause.id, event, now), { loaded: run });
      if (resumed) deps.logger.info('run resumed by event', { runId: pause.runId, pauseId: pause.id, eventId: event.id, status: resumed.doc.status });
    }),
  );
}
