import type { RunStatus } from '../run/run';

/**
 * The history index (docs/decisions/003): runs by function, status and start time, events by name
 * and time, for listing. Entries are written after each run-level change and are hints: readers check
 * each one against the run (or event) itself and drop stale ones, so an index write lost to a crash
 * costs a missing or stale row, never a wrong answer. Redis is the first adapter; a database can
 * implement the same port (every method is a plain query or upsert on a (kind, time, id) key).
 */
export interface HistoryStore {
  /** Upsert a run's entry: it is listed under its function and its current status only; idempotent. */
  noteRun(entry: RunEntry): Promise<void>;
  /**
   * Runs matching `query`, newest first (start time, then a tie-breaker). Their status is left out:
   * the set read guarantees the one asked for, and the reader checks the run itself anyway.
   */
  listRuns(query: RunQuery): Promise<HistoryPage<ListedRun>>;
  /** Forget a run (its record expired or is gone). */
  dropRun(entry: ListedRun): Promise<void>;
  /** Upsert an event's entry (by id). */
  noteEvent(entry: EventEntry): Promise<void>;
  /** Event entries matching `query`, newest first (receipt time, then id, both descending). */
  listEvents(query: EventQuery): Promise<HistoryPage<EventEntry>>;
  /** Forget an event (it expired). */
  dropEvent(entry: EventEntry): Promise<void>;
  /** Keep one settled attempt of a step (a run's attempt timeline), as long as runs are kept. */
  noteAttempt(attempt: AttemptEntry): Promise<void>;
  /** A run's settled attempts, in the order they were noted. */
  listAttempts(runId: string): Promise<AttemptEntry[]>;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface RunEntry {
  runId: string;
  functionId: string;
  status: RunStatus;
  /** The run's start (ms): its place in the list. */
  startedAt: number;
}

export type ListedRun = Omit<RunEntry, 'status'>;

export interface AttemptEntry {
  runId: string;
  stepId: string;
  attempt: number;
  /** When the driver started and ended it (ms). */
  startedAt: number;
  endedAt: number;
  outcome: 'completed' | 'retry' | 'failed';
  error?: string;
}

export interface EventEntry {
  eventId: string;
  name: string;
  /** The event's `ts` (ms): its place in the list. */
  at: number;
}

/** Where a page ended: the next page holds entries strictly older (time, then tie-breaker) than this one. */
export interface HistoryPosition {
  at: number;
  /** The adapter's tie-breaker among entries of the same time (opaque to callers). */
  id: string;
}

interface PageQuery {
  /** Earliest time (ms, inclusive). */
  from?: number;
  /** Latest time (ms, inclusive). */
  to?: number;
  /** Most entries in the page (1 or more). */
  limit: number;
  /** The `next` of the previous page. */
  after?: HistoryPosition;
}

export interface RunQuery extends PageQuery {
  functionId?: string;
  status?: RunStatus;
}

export interface EventQuery extends PageQuery {
  name?: string;
}

export interface HistoryPage<T> {
  entries: T[];
  /** Where to go on from; null when no entry is left. */
  next: HistoryPosition | null;
}
