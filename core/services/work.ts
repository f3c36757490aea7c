import type { CommitResult, PausePlan } from '../ports/run-store';
import type { IndexedPause } from '../ports/pause-index';
import { pendingWork } from '../run/pending-work';
import type { WorkItem } from '../run/work-item';
import type { EngineDeps } from './deps';
import { runNoted } from './run-changes';
import { sendRunEnd } from './run-end-events';

/** Put work items on the step queue, each delayed until it is due. */
export async function enqueueWork(deps: EngineDeps, items: WorkItem[]): Promise<void> {
  if (items.length === 0) return;
  const now = deps.clock.now();
  await deps.queue.send(items.map((body) => ({ body, delayMs: Math.max(0, body.dueAt - now) })));
}

/** Index pauses before the commit that arms them: an entry whose pause never got committed is stale and ignored. */
export async function indexPauses(deps: EngineDeps, pauses: IndexedPause[]): Promise<void> {
  if (pauses.length > 0) await Promise.all(pauses.map((pause) => deps.state.indexPause(pause)));
}

/** Drop from the index the pauses a committed change ended (a failure here leaves stale entries, which readers skip). */
export async function dropPauses(deps: EngineDeps, result: CommitResult): Promise<void> {
  if (result.outcome !== 'committed' || result.droppedPauses.length === 0) return;
  await Promise.all(result.droppedPauses.map((pause: PausePlan) => deps.state.dropPause(pause.event, pause.id)));
}

/**
 * The recovery rule of every commit site (docs/decisions/003): a redelivered message whose change is
 * already committed may come from a try that died before its effects went out, so it sends the work
 * the run's state implies again. Duplicates are harmless: every item is checked against the state.
 * `leased`: the message is a step item, which may be all that covers a lease handed on to a chain's next step.
 * `throttled`: the run's first work waits in its throttle's line, which sends it: not sent here.
 */
export async function recoverRun(deps: EngineDeps, runId: string, options: { leased?: boolean; noteHistory?: boolean; throttled?: boolean } = {}): Promise<void> {
  const run = await deps.state.loadRun(runId);
  if (!run) return;
  // A start whose first try died before the history heard of it.
  if (options.noteHistory) await runNoted(deps, run);
  if (!options.throttled) await enqueueWork(deps, pendingWork(run, deps.clock.now(), options));
  // The change that ended the run may have been committed by a try that died before its events went out.
  if (run.status !== 'Running') await sendRunEnd(deps, run);
}
