import type { Clock } from '../../core/ports/clock';
import type { AttemptEntry, EventEntry, EventQuery, HistoryPage, HistoryPosition, HistoryStore, ListedRun, RunEntry, RunQuery } from '../../core/ports/history';
import { DEFAULT_RETENTION_MS } from '../../core/ports/state';
import { SortedSets } from './sorted-sets';

export interface MemoryHistoryOptions {
  clock: Clock;
  /** Entries older than twice this are trimmed as new ones come (their runs expired long before). @default 7 days */
  retentionMs?: number;
}

/** The history index in memory: the same sets as the Redis adapter's, one per filter combination. */
export function createMemoryHistoryStore(options: MemoryHistoryOptions): HistoryStore {
  return new MemoryHistoryStore(options.clock, options.retentionMs ?? DEFAULT_RETENTION_MS);
}

const runSets = (entry: Pick<RunEntry, 'functionId' | 'status'>): string[] =>
  ['r', `r:f:${entry.functionId}`, `r:s:${entry.status}`, `r:fs:${entry.status}:${entry.functionId}`];
const eventSets = (entry: EventEntry): string[] => ['e', `e:n:${entry.name}`];

class MemoryHistoryStore implements HistoryStore {
  private readonly sets = new SortedSets();
  /** Each run's current entry, to move it out of the sets of its former status. */
  private readonly runs = new Map<string, RunEntry>();
  private readonly events = new Map<string, EventEntry>();
  private readonly attempts = new Map<string, { until: number; entries: AttemptEntry[] }>();

  constructor(private readonly clock: Clock, private readonly retentionMs: number) {}

  async noteRun(entry: RunEntry): Promise<void> {
    const known = this.runs.get(entry.runId);
    if (known) for (const key of runSets(known)) this.sets.remove(key, known.startedAt, known.runId);
    this.runs.set(entry.runId, { ...entry });
    const oldest = this.clock.now() - 2 * this.retentionMs;
    for (const key of runSets(entry)) {
      this.sets.add(key, entry.startedAt, entry.runId);
      this.sets.trim(key, oldest);
    }
  }

  async listRuns(query: RunQuery): Promise<HistoryPage<ListedRun>> {
    const key = query.functionId !== undefined && query.status !== undefined ? `r:fs:${query.status}:${query.functionId}`
      : query.functionId !== undefined ? `r:f:${query.functionId}` : query.status !== undefined ? `r:s:${query.status}` : 'r';
    return this.page(key, query, (position) => {
      const entry = this.runs.get(position.id);
      return entry && { runId: entry.runId, functionId: entry.functionId, startedAt: entry.startedAt };
    });
  }

  async dropRun(entry: ListedRun): Promise<void> {
    const known = this.runs.get(entry.runId);
    if (!known) return;
    for (const key of runSets(known)) this.sets.remove(key, known.startedAt, known.runId);
    this.runs.delete(entry.runId);
  }

  async noteEvent(entry: EventEntry): Promise<void> {
    if (this.events.has(entry.eventId)) return;
    this.events.set(entry.eventId, { ...entry });
    const oldest = this.clock.now() - 2 * this.retentionMs;
    for (const key of eventSets(entry)) {
      this.sets.add(key, entry.at, entry.eventId);
      this.sets.trim(key, oldest);
    }
  }

  async listEvents(query: EventQuery): Promise<HistoryPage<EventEntry>> {
    return this.page(query.name !== undefined ? `e:n:${query.name}` : 'e', query, (position) => this.events.get(position.id));
  }

  async dropEvent(entry: EventEntry): Promise<void> {
    const known = this.events.get(entry.eventId) ?? entry;
    for (const key of eventSets(known)) this.sets.remove(key, known.at, known.eventId);
    this.events.delete(entry.eventId);
  }

  async noteAttempt(attempt: AttemptEntry): Promise<void> {
    const now = this.clock.now();
    const kept = this.attempts.get(attempt.runId);
    const entries = kept && kept.until > now ? kept.entries : [];
    entries.push({ ...attempt });
    this.attempts.set(attempt.runId, { until: now + this.retentionMs, entries });
  }

  async listAttempts(runId: string): Promise<AttemptEntry[]> {
    const kept = this.attempts.get(runId);
    return kept && kept.until > this.clock.now() ? kept.entries.map((entry) => ({ ...entry })) : [];
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private page<T>(key: string, query: RunQuery | EventQuery, entryOf: (position: HistoryPosition) => T | undefined): HistoryPage<T> {
    const members = this.sets.page(key, { ...query, limit: query.limit + 1 });
    const entries = members.slice(0, query.limit).map(entryOf).filter((entry): entry is T => entry !== undefined);
    const last = members[query.limit - 1];
    return { entries, next: members.length > query.limit && last ? { at: last.at, id: last.id } : null };
  }
}
