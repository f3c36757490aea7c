import type { HistoryPosition, HistoryStore, ListedRun, RunQuery } from '../../core/ports/history';
import type { RunStatus } from '../../core/run/run';

export interface HistoryUnderTest {
  store: HistoryStore;
  /** Delete what the test stored and close the store. */
  cleanup(): Promise<void>;
}

/** A new, empty history store (its own key prefix or instance). */
export type MakeHistoryStore = () => Promise<HistoryUnderTest>;

const T0 = Date.parse('2026-11-01T00:00:00.000Z');

/** Every page of a query, following the cursors, with how many pages it took. */
async function allPages(store: HistoryStore, query: Omit<RunQuery, 'after'>): Promise<{ runs: ListedRun[]; pages: number }> {
  const runs: ListedRun[] = [];
  let after: HistoryPosition | undefined;
  let pages = 0;
  for (;;) {
    const page = await store.listRuns({ ...query, ...(after ? { after } : {}) });
    pages += 1;
    runs.push(...page.entries);
    if (!page.next) return { runs, pages };
    after = page.next;
    if (pages > 1000) throw new Error('cursor does not advance');
  }
}

/**
 * One behaviour for every adapter of the history port (memory, Redis): filters, order, cursors, a run
 * moving between statuses, drops. Each test gets a store of its own and cleans it up.
 */
export function describeHistoryConformance(name: string, makeStore: MakeHistoryStore): void {
  describe(`history store conformance: ${name}`, () => {
    let underTest: HistoryUnderTest;
    let store: HistoryStore;

    beforeEach(async () => {
      underTest = await makeStore();
      store = underTest.store;
    });

    afterEach(async () => {
      await underTest.cleanup();
    });

    const note = (runId: string, functionId: string, status: RunStatus, startedAt: number): Promise<void> =>
      store.noteRun({ runId, functionId, status, startedAt });

    it('lists runs newest first, filtered by function, status, both, and start time (inclusive)', async () => {
      // Prepare
      await note('r1', 'f', 'Running', T0 + 1);
      await note('r2', 'g', 'Completed', T0 + 2);
      await note('r3', 'f', 'Completed', T0 + 3);
      await note('r4', 'f', 'Failed', T0 + 4);
      // Act
      const all = await store.listRuns({ limit: 10 });
      const ofF = await store.listRuns({ functionId: 'f', limit: 10 });
      const completed = await store.listRuns({ status: 'Completed', limit: 10 });
      const completedOfF = await store.listRuns({ functionId: 'f', status: 'Completed', limit: 10 });
      const window = await store.listRuns({ from: T0 + 2, to: T0 + 3, limit: 10 });
      // Assess
      expect(all.entries.map((run) => run.runId)).toEqual(['r4', 'r3', 'r2', 'r1']);
      expect(all.entries[0]).toEqual({ runId: 'r4', functionId: 'f', startedAt: T0 + 4 });
      expect(all.next).toBeNull();
      expect(ofF.entries.map((run) => run.runId)).toEqual(['r4', 'r3', 'r1']);
      expect(completed.entries.map((run) => run.runId)).toEqual(['r3', 'r2']);
      expect(completedOfF.entries.map((run) => run.runId)).toEqual(['r3']);
      expect(window.entries.map((run) => run.runId)).toEqual(['r3', 'r2']);
    });

    it('moves a run to its new status: listed under that one only, in the same place', async () => {
      // Prepare
      await note('r1', 'f', 'Running', T0 + 1);
      await note('r2', 'f', 'Running', T0 + 2);
      // Act
      await note('r1', 'f', 'Cancelled', T0 + 1);
      await note('r1', 'f', 'Cancelled', T0 + 1); // idempotent
      // Assess
      expect((await store.listRuns({ status: 'Running', limit: 10 })).entries.map((run) => run.runId)).toEqual(['r2']);
      expect((await store.listRuns({ functionId: 'f', status: 'Running', limit: 10 })).entries.map((run) => run.runId)).toEqual(['r2']);
      expect((await store.listRuns({ status: 'Cancelled', limit: 10 })).entries.map((run) => run.runId)).toEqual(['r1']);
      expect((await store.listRuns({ functionId: 'f', limit: 10 })).entries.map((run) => run.runId)).toEqual(['r2', 'r1']);
    });

    it('pages through every run exactly once by cursor, also when many share a start time', async () => {
      // Prepare: 23 runs, 3 start times (a page boundary falls inside each tie)
      const ids: string[] = [];
      for (let index = 0; index < 23; index += 1) {
        const runId = `run-${String(index).padStart(2, '0')}`;
        ids.push(runId);
        await note(runId, index % 2 === 0 ? 'f' : 'g', 'Completed', T0 + Math.floor(index / 8));
      }
      // Act
      const { runs, pages } = await allPages(store, { limit: 5 });
      const ofF = await allPages(store, { functionId: 'f', status: 'Completed', limit: 4 });
      // Assess
      expect(pages).toBe(5);
      expect(runs.map((run) => run.runId).sort()).toEqual(ids);
      expect(new Set(runs.map((run) => run.runId)).size).toBe(23);
      const times = runs.map((run) => run.startedAt);
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(ofF.runs.map((run) => run.runId).sort()).toEqual(ids.filter((_, index) => index % 2 === 0));
    });

    it('pages within a time window and ends with a null cursor exactly at the last entry', async () => {
      // Prepare
      for (let index = 0; index < 10; index += 1) await note(`r${index}`, 'f', 'Running', T0 + index * 1000);
      // Act
      const first = await store.listRuns({ from: T0 + 2000, to: T0 + 7000, limit: 3 });
      const second = await store.listRuns({ from: T0 + 2000, to: T0 + 7000, limit: 3, after: first.next! });
      // Assess
      expect(first.entries.map((run) => run.runId)).toEqual(['r7', 'r6', 'r5']);
      expect(first.next).not.toBeNull();
      expect(second.entries.map((run) => run.runId)).toEqual(['r4', 'r3', 'r2']);
      expect(second.next).toBeNull();
    });

    it('forgets a dropped run under every filter', async () => {
      // Prepare
      await note('r1', 'f', 'Failed', T0 + 1);
      await note('r2', 'f', 'Failed', T0 + 2);
      // Act
      await store.dropRun({ runId: 'r1', functionId: 'f', startedAt: T0 + 1 });
      // Assess
      for (const query of [{}, { functionId: 'f' }, { status: 'Failed' as const }, { functionId: 'f', status: 'Failed' as const }]) {
        expect((await store.listRuns({ ...query, limit: 10 })).entries.map((run) => run.runId)).toEqual(['r2']);
      }
    });

    it('lists events newest first, by name, by cursor; noting one twice keeps one entry', async () => {
      // Prepare
      await store.noteEvent({ eventId: 'e1', name: 'app/a', at: T0 + 1 });
      await store.noteEvent({ eventId: 'e2', name: 'app/b', at: T0 + 2 });
      await store.noteEvent({ eventId: 'e3', name: 'app/a', at: T0 + 3 });
      await store.noteEvent({ eventId: 'e3', name: 'app/a', at: T0 + 3 });
      // Act
      const first = await store.listEvents({ limit: 2 });
      const second = await store.listEvents({ limit: 2, after: first.next! });
      const ofA = await store.listEvents({ name: 'app/a', limit: 10 });
      await store.dropEvent({ eventId: 'e1', name: 'app/a', at: T0 + 1 });
      const afterDrop = await store.listEvents({ limit: 10 });
      // Assess
      expect(first.entries).toEqual([{ eventId: 'e3', name: 'app/a', at: T0 + 3 }, { eventId: 'e2', name: 'app/b', at: T0 + 2 }]);
      expect(second.entries.map((event) => event.eventId)).toEqual(['e1']);
      expect(second.next).toBeNull();
      expect(ofA.entries.map((event) => event.eventId)).toEqual(['e3', 'e1']);
      expect(afterDrop.entries.map((event) => event.eventId)).toEqual(['e3', 'e2']);
    });

    it('keeps each run\'s attempt timeline in the order noted, apart from other runs', async () => {
      // Prepare
      await store.noteAttempt({ runId: 'r1', stepId: 'a', attempt: 0, startedAt: T0, endedAt: T0 + 5, outcome: 'retry', error: 'boom' });
      await store.noteAttempt({ runId: 'r2', stepId: 'a', attempt: 0, startedAt: T0, endedAt: T0 + 1, outcome: 'completed' });
      await store.noteAttempt({ runId: 'r1', stepId: 'a', attempt: 1, startedAt: T0 + 10, endedAt: T0 + 12, outcome: 'completed' });
      // Act
      const timeline = await store.listAttempts('r1');
      // Assess
      expect(timeline).toEqual([
        { runId: 'r1', stepId: 'a', attempt: 0, startedAt: T0, endedAt: T0 + 5, outcome: 'retry', error: 'boom' },
        { runId: 'r1', stepId: 'a', attempt: 1, startedAt: T0 + 10, endedAt: T0 + 12, outcome: 'completed' },
      ]);
      expect(await store.listAttempts('unknown')).toEqual([]);
    });

    it('keeps ids and names with any characters apart', async () => {
      // Prepare
      await note('a"b,c', 'fn|with"odd]', 'Running', T0);
      await store.noteEvent({ eventId: 'x"y', name: 'n]"', at: T0 });
      // Act
      const runs = await store.listRuns({ functionId: 'fn|with"odd]', status: 'Running', limit: 5 });
      const events = await store.listEvents({ name: 'n]"', limit: 5 });
      // Assess
      expect(runs.entries).toEqual([{ runId: 'a"b,c', functionId: 'fn|with"odd]', startedAt: T0 }]);
      expect(events.entries).toEqual([{ eventId: 'x"y', name: 'n]"', at: T0 }]);
    });
  });
}
