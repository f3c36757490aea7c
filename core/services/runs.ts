import type { EngineDeps } from './deps';
import { type RunView, toRunView } from './run-view';
import { runChanged } from './run-changes';
import { dropPauses } from './work';

/** One run as the core API shows it; undefined when unknown or expired. */
export async function getRun(deps: EngineDeps, runId: string): Promise<RunView | undefined> {
  const run = await deps.state.loadRun(runId);
  return run && toRunView(run, deps.clock.now());
}

/** The runs an event started, oldest first. */
export async function getRunsForEvent(deps: EngineDeps, eventId: string): Promise<RunView[]> {
  const ids = await deps.state.runsForEvent(eventId);
  const runs = await Promise.all(ids.map((id) => getRun(deps, id)));
  return runs.filter((run): run is RunView => run !== undefined);
}

/**
 * Cancel a run; a run that already ended is returned as it is. undefined when unknown. Its running
 * steps stop within one lease interval: their executors' next renewal answers that the run ended.
 */
export async function cancelRunById(deps: EngineDeps, runId: string): Promise<RunView | undefined> {
  const ended = await deps.state.endRun({ runId, status: 'Cancelled', reason: 'cancelled through the API', now: deps.clock.now() });
  await dropPauses(deps, ended);
  if (ended.outcome === 'committed') {
    const run = await deps.state.loadRun(runId);
    if (run) await runChanged(deps, run, ended);
    return run && toRunView(run, deps.clock.now());
  }
  return getRun(deps, runId);
}
