import type { StepstackEvent } from '../events/event';
import type { HistoryPosition, HistoryStore, RunQuery } from '../ports/history';
import type { EngineDeps } from './deps';
import { runNoted } from './run-changes';
import { type RunView, type StepView, toRunView } from './run-view';

/** A run in a list: its view without step outputs (read one run for those). */
export type RunSummary = Omit<RunView, 'output' | 'steps'> & { steps: Record<string, Omit<StepView, 'output'>> };

export interface Listed<T> {
  data: T[];
  next: HistoryPosition | null;
}

/** Index pages read at most per request while stale entries are dropped: a page may come short, never wrong. */
const MAX_PASSES = 4;

/** The run list: newest first, each entry checked against its run (expired ones leave the index, stale statuses are corrected). */
export async function listRuns(deps: EngineDeps & { history: HistoryStore }, query: RunQuery): Promise<Listed<RunSummary>> {
  const { history } = deps;
  const data: RunSummary[] = [];
  let after = query.after;
  let next: HistoryPosition | null = null;
  for (let pass = 0; pass < MAX_PASSES && data.length < query.limit; pass += 1) {
    const page = await history.listRuns({ ...query, limit: query.limit - data.length, ...(after ? { after } : {}) });
    const runs = await Promise.all(page.entries.map((entry) => deps.state.loadRun(entry.runId)));
    const now = deps.clock.now();
    await Promise.all(page.entries.map(async (entry, index) => {
      const run = runs[index];
      if (!run) return history.dropRun(entry);
      if (query.status !== undefined && run.status !== query.status) return runNoted(deps, run);
      return undefined;
    }));
    for (const run of runs) {
      if (run && (query.status === undefined || run.status === query.status)) data.push(summaryOf(toRunView(run, now)));
    }
    next = page.next;
    if (!next) break;
    after = next;
  }
  return { data, next };
}

function summaryOf(view: RunView): RunSummary {
  const { output: _output, steps, ...rest } = view;
  const shown: RunSummary['steps'] = {};
  for (const [id, { output: _stepOutput, ...step }] of Object.entries(steps)) shown[id] = step;
  return { ...rest, steps: shown };
}

/** The event list: newest first, expired events leave the index. */
export async function listEvents(
  deps: EngineDeps & { history: HistoryStore }, query: { name?: string; from?: number; to?: number; limit: number; after?: HistoryPosition },
): Promise<Listed<StepstackEvent>> {
  const { history } = deps;
  const page = await history.listEvents(query);
  const events = await Promise.all(page.entries.map((entry) => deps.state.getEvent(entry.eventId)));
  await Promise.all(page.entries.map((entry, index) => (events[index] ? undefined : history.dropEvent(entry))));
  return { data: events.filter((event): event is StepstackEvent => event !== undefined), next: page.next };
}
