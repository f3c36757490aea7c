import { errorMessage } from '../errors';
import type { StepstackEvent } from '../events/event';
import type { AttemptEntry } from '../ports/history';
import type { CommitResult, RunMeta } from '../ports/run-store';
import type { RunStatus } from '../run/run';
import type { EngineDeps } from './deps';
import { announceRunEnd } from './run-end-events';

/** A run as the commit sites know it; its start time is read from the run when the site lacks it. */
export interface ChangedRun {
  id: string;
  functionId: string;
  startedAt?: number;
}

/**
 * After a run started: counted, and noted in the history index. A failed note is logged, not thrown:
 * the run is committed, and the index is a hint that readers check against the run.
 */
export async function runStarted(deps: EngineDeps, run: Required<ChangedRun>, status: RunStatus): Promise<void> {
  deps.metrics?.count('runs_started', { function_id: run.functionId });
  if (status !== 'Running') deps.metrics?.count('runs_ended', { function_id: run.functionId, status });
  await note(deps, run, status);
  if (status !== 'Running') await announceRunEnd(deps, run.id);
}

/** After a commit of a run: when it ended the run, counted and noted in the history index. */
export async function runChanged(deps: EngineDeps, run: ChangedRun, result: CommitResult): Promise<void> {
  if (result.outcome !== 'committed' || result.status === 'Running') return;
  deps.metrics?.count('runs_ended', { function_id: run.functionId, status: result.status });
  await note(deps, run, result.status);
  // The platform's own events of a run's end (SPEC section 3).
  await announceRunEnd(deps, run.id, result);
}

/** After an event was kept: noted in the history index (the event list). */
export async function eventKept(deps: EngineDeps, event: StepstackEvent): Promise<void> {
  if (!deps.history) return;
  try {
    await deps.history.noteEvent({ eventId: event.id, name: event.name, at: event.ts });
  } catch (error) {
    deps.logger.warn('event history not updated: the event list may miss this event', { eventId: event.id, error: errorMessage(error) });
  }
}

/** After an attempt was committed: kept for the run's attempt timeline, without holding up the step (a lost note costs a row). */
export function attemptSettled(deps: EngineDeps, attempt: AttemptEntry): void {
  deps.history?.noteAttempt(attempt).catch((error: unknown) => {
    deps.logger.warn('attempt timeline not updated', { runId: attempt.runId, stepId: attempt.stepId, error: errorMessage(error) });
  });
}

/** Note a run as it stands (a recovery, or a reader that found the index stale). */
export async function runNoted(deps: EngineDeps, run: RunMeta): Promise<void> {
  await note(deps, run, run.status);
}

async function note(deps: EngineDeps, run: ChangedRun, status: RunStatus): Promise<void> {
  const { history } = deps;
  if (!history) return;
  try {
    const startedAt = run.startedAt ?? (await deps.state.loadRun(run.id))?.startedAt;
    if (startedAt === undefined) return;
    await history.noteRun({ runId: run.id, functionId: run.functionId, status, startedAt });
  } catch (error) {
    deps.logger.warn('run history not updated: the list may show this run late or stale', { runId: run.id, status, error: errorMessage(error) });
  }
}
