import { ValidationError } from '../errors';
import { ancestorsOf } from '../functions/ancestors';
import { compileKnown } from '../functions/compile';
import type { CompiledFunction } from '../functions/compiled';
import type { CommitResult, ScheduledStep, StoredRun } from '../ports/run-store';
import { planAttempt } from '../run/attempt';
import { stepItem, workOf } from '../run/pending-work';
import { planStart, topologyOf } from '../run/plan';
import type { WorkItem } from '../run/work-item';
import { DAY_MS, type EngineDeps } from './deps';
import { runChanged, runStarted } from './run-changes';
import { type RunView, toRunView } from './run-view';
import { dropPauses, enqueueWork, indexPauses } from './work';

/**
 * A new run of a run's function (the version it ran) and event, with `rerun_of` naming it (SPEC
 * section 6). From a step: the outputs of the steps that do not depend on it are kept (committed
 * into the new run as they are released, with 0 attempts: they did not run again), and that step and
 * what follows run. undefined when the run is unknown.
 */
export async function rerunRun(deps: EngineDeps, runId: string, fromStep?: string): Promise<RunView | undefined> {
  const original = await deps.state.loadRun(runId);
  if (!original) return undefined;
  const fn = compileKnown(original.functionHash, () => original.definition);
  const kept = fromStep === undefined ? new Map<string, unknown>() : keptOutputs(fn, original, fromStep);
  const now = deps.clock.now();
  const newRunId = await deps.state.claimRun({ eventId: original.event.id, key: `rerun:${runId}:${deps.newId(now)}`, runId: deps.newId(now), ttlMs: DAY_MS, linkTtlMs: deps.retentionMs });
  const planned = planStart(fn, original.event, newRunId, now, deps.retentionMs);
  await indexPauses(deps, planned.index);
  const created = await deps.state.createRun({
    id: newRunId, functionId: fn.id, functionHash: fn.hash, definition: fn.definition, event: original.event, now,
    topology: topologyOf(fn), changes: planned.changes, rerunOf: runId,
  });
  if (created.outcome !== 'committed') throw new Error(`rerun of ${runId}: new run ${newRunId} was not created (${created.outcome})`);
  const identity = { id: newRunId, functionId: fn.id, functionHash: fn.hash };
  const work = workOf(identity, { ...created, scheduled: [] }, planned.changes.timers);
  await dropPauses(deps, created);
  await runStarted(deps, { ...identity, startedAt: now }, created.status);
  const ended = await replayKept(deps, fn, original, newRunId, created.scheduled, kept, work);
  await enqueueWork(deps, work);
  if (ended) await runChanged(deps, { ...identity, startedAt: now }, ended);
  deps.logger.info('run rerun', { runId: newRunId, rerunOf: runId, fromStep: fromStep ?? null, kept: kept.size });
  const run = await deps.state.loadRun(newRunId);
  return run && toRunView(run, deps.clock.now());
}

/** The completed outputs of the steps that neither are `fromStep` nor follow it. */
function keptOutputs(fn: CompiledFunction, original: StoredRun, fromStep: string): Map<string, unknown> {
  if (!fn.steps.has(fromStep)) {
    throw new ValidationError([`from_step: "${fromStep}" is not a step of function ${fn.id}: use one of ${[...fn.steps.keys()].join(', ')}`]);
  }
  const kept = new Map<string, unknown>();
  for (const stepId of fn.order) {
    const dependsOnFrom = stepId === fromStep || ancestorsOf(fn, stepId).includes(fromStep);
    const step = original.steps[stepId];
    if (!dependsOnFrom && step?.status === 'Completed' && stepId in original.outputs) kept.set(stepId, original.outputs[stepId]);
  }
  return kept;
}

/**
 * Commit the kept steps as the new run releases them, through the same commits an executor makes
 * (their edges are decided again, on the same outputs); the steps that run again go to `work`.
 * Returns the last commit when it ended the run.
 */
async function replayKept(
  deps: EngineDeps, fn: CompiledFunction, original: StoredRun, runId: string, scheduled: ScheduledStep[], kept: Map<string, unknown>, work: WorkItem[],
): Promise<CommitResult | undefined> {
  const identity = { id: runId, functionId: fn.id, functionHash: fn.hash };
  const pending = [...scheduled];
  for (let step = pending.shift(); step; step = pending.shift()) {
    if (!kept.has(step.stepId) || step.attempt !== 0) {
      work.push(stepItem(identity, step));
      continue;
    }
    const steps: Record<string, unknown> = {};
    for (const id of ancestorsOf(fn, step.stepId)) if (kept.has(id)) steps[id] = kept.get(id);
    const now = deps.clock.now();
    const planned = planAttempt(fn, step.stepId, 0, { kind: 'success', output: kept.get(step.stepId) }, {
      runId, event: original.event, steps, async: original.steps[step.stepId]?.async ?? null, attempts: -1, errors: [], now, retry: deps.retry,
    });
    await indexPauses(deps, planned.index);
    const result = await deps.state.commitAttempt(planned.commit);
    // stale: a recovery sent the step to an executor, which ran it first.
    if (result.outcome !== 'committed') continue;
    await dropPauses(deps, result);
    if (result.status !== 'Running') return result;
    pending.push(...result.scheduled);
    work.push(...workOf(identity, { ...result, scheduled: [] }, planned.commit.changes?.timers));
  }
  return undefined;
}
