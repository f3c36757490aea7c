import type { Expression } from '../expressions/expression';
import type { HistoryPosition, HistoryStore } from '../ports/history';
import type { EngineDeps } from './deps';
import { runChanged, runNoted } from './run-changes';
import { dropPauses } from './work';

export interface CancellationFilter {
  functionId: string;
  /** Start times (ms), both inclusive. */
  startedAfter: number;
  startedBefore: number;
  /** Tested on the run's trigger event; a run it does not hold true for is left running. */
  if?: Expression;
}

const PAGE = 100;

/** Cancel every running run of a function started in the window (and matching `if`): how many were cancelled. */
export async function cancelRuns(deps: EngineDeps & { history: HistoryStore }, filter: CancellationFilter): Promise<number> {
  let cancelled = 0;
  let after: HistoryPosition | undefined;
  for (;;) {
    const page = await deps.history.listRuns({
      functionId: filter.functionId, status: 'Running', from: filter.startedAfter, to: filter.startedBefore, limit: PAGE, ...(after ? { after } : {}),
    });
    const ended = await Promise.all(page.entries.map(async (entry) => {
      const run = await deps.state.loadRun(entry.runId);
      if (!run) return false;
      if (run.status !== 'Running') {
        await runNoted(deps, run);
        return false;
      }
      if (filter.if && !filter.if.test({ event: run.event })) return false;
      const result = await deps.state.endRun({ runId: run.id, status: 'Cancelled', reason: 'cancelled by a bulk cancellation (POST /v1/cancellations)', now: deps.clock.now() });
      await dropPauses(deps, result);
      await runChanged(deps, run, result);
      return result.outcome === 'committed';
    }));
    cancelled += ended.filter(Boolean).length;
    if (!page.next) return cancelled;
    after = page.next;
  }
}
