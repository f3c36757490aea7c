import { PlatformError, errorMessage } from '../../core/errors';
import { type Clock, systemClock } from '../../core/ports/clock';
import type { AttemptEntry, EventEntry, EventQuery, HistoryPage, HistoryPosition, HistoryStore, ListedRun, RunEntry, RunQuery } from '../../core/ports/history';
import { DEFAULT_RETENTION_MS } from '../../core/ports/state';
import type { RunStatus } from '../../core/run/run';
import { type RedisClient, type RedisConnectionOptions, connectRedis } from './client';

export interface RedisHistoryOptions extends RedisConnectionOptions {
  /** The state store's prefix (STEPSTACK_NAMESPACE). No braces. @default 'ss' */
  keyPrefix?: string;
  /** Entries older than twice this are trimmed as new ones come (their runs expired long before). @default 7 days */
  retentionMs?: number;
  /** @default systemClock */
  clock?: Clock;
}

const STATUSES: RunStatus[] = ['Running', 'Completed', 'Failed', 'Cancelled'];

/**
 * The history index on Redis: one sorted set per filter combination (all runs, per function, per
 * status, per status and function; all events, per name), scored by start or receipt time and read
 * with ZRANGE BYSCORE REV. Every key shares the `{h}` hash tag, so a change is one MULTI on one
 * slot in cluster mode too. An entry moves between status sets in that MULTI.
 */
export function createRedisHistoryStore(options: RedisHistoryOptions): HistoryStore {
  const prefix = options.keyPrefix ?? 'ss';
  if (/[{}]/.test(prefix)) throw new Error(`keyPrefix '${prefix}' is invalid: use a prefix without braces`);
  return new RedisHistoryStore(connectRedis({ connectionName: 'stepstack-history', ...options }), prefix, options.retentionMs ?? DEFAULT_RETENTION_MS, options.clock ?? systemClock);
}

class RedisHistoryStore implements HistoryStore {
  private readonly tag: string;

  constructor(private readonly client: RedisClient, private readonly prefix: string, private readonly retentionMs: number, private readonly clock: Clock) {
    this.tag = `${prefix}:{h}`;
    client.on('error', () => undefined); // surfaced on the calls they fail
  }

  private runKey(filter: { functionId?: string; status?: RunStatus }): string {
    if (filter.functionId !== undefined && filter.status !== undefined) return `${this.tag}:r:fs:${filter.status}:${filter.functionId}`;
    if (filter.functionId !== undefined) return `${this.tag}:r:f:${filter.functionId}`;
    if (filter.status !== undefined) return `${this.tag}:r:s:${filter.status}`;
    return `${this.tag}:r`;
  }

  private eventKey(name?: string): string {
    return name === undefined ? `${this.tag}:e` : `${this.tag}:e:n:${name}`;
  }

  noteRun(entry: RunEntry): Promise<void> {
    return this.call('noteRun', async () => {
      const oldest = String(this.clock.now() - 2 * this.retentionMs);
      const member = runMember(entry);
      const multi = this.client.multi();
      for (const key of [this.runKey({}), this.runKey(entry), this.runKey({ status: entry.status }), this.runKey({ functionId: entry.functionId })]) {
        multi.zadd(key, entry.startedAt, member).zremrangebyscore(key, '-inf', `(${oldest}`);
      }
      for (const status of STATUSES) {
        if (status === entry.status) continue;
        multi.zrem(this.runKey({ status }), member).zrem(this.runKey({ status, functionId: entry.functionId }), member);
      }
      await exec(multi);
    });
  }

  listRuns(query: RunQuery): Promise<HistoryPage<ListedRun>> {
    return this.call('listRuns', async () => {
      const page = await this.page(this.runKey(query), query);
      return {
        next: page.next,
        entries: page.members.map((member) => {
          const [runId, functionId] = parseMember(member.id);
          return { runId, functionId, startedAt: member.at };
        }),
      };
    });
  }

  dropRun(entry: ListedRun): Promise<void> {
    return this.call('dropRun', async () => {
      const member = runMember(entry);
      const multi = this.client.multi();
      multi.zrem(this.runKey({}), member).zrem(this.runKey({ functionId: entry.functionId }), member);
      for (const status of STATUSES) multi.zrem(this.runKey({ status }), member).zrem(this.runKey({ status, functionId: entry.functionId }), member);
      await exec(multi);
    });
  }

  noteEvent(entry: EventEntry): Promise<void> {
    return this.call('noteEvent', async () => {
      const oldest = String(this.clock.now() - 2 * this.retentionMs);
      const member = eventMember(entry);
      const multi = this.client.multi();
      for (const key of [this.eventKey(), this.eventKey(entry.name)]) multi.zadd(key, 'NX', entry.at, member).zremrangebyscore(key, '-inf', `(${oldest}`);
      await exec(multi);
    });
  }

  listEvents(query: EventQuery): Promise<HistoryPage<EventEntry>> {
    return this.call('listEvents', async () => {
      const page = await this.page(this.eventKey(query.name), query);
      return {
        next: page.next,
        entries: page.members.map((member) => {
          const [eventId, name] = parseMember(member.id);
          return { eventId, name, at: member.at };
        }),
      };
    });
  }

  dropEvent(entry: EventEntry): Promise<void> {
    return this.call('dropEvent', async () => {
      const member = eventMember(entry);
      await exec(this.client.multi().zrem(this.eventKey(), member).zrem(this.eventKey(entry.name), member));
    });
  }

  noteAttempt(attempt: AttemptEntry): Promise<void> {
    return this.call('noteAttempt', async () => {
      // Its own slot per run, expiring as runs do: the timeline never grows the shared {h} slot.
      const key = `${this.prefix}:{ha:${attempt.runId}}`;
      await exec(this.client.multi().rpush(key, JSON.stringify(attempt)).pexpire(key, this.retentionMs));
    });
  }

  listAttempts(runId: string): Promise<AttemptEntry[]> {
    return this.call('listAttempts', async () => (await this.client.lrange(`${this.prefix}:{ha:${runId}}`, 0, -1)).map((json) => JSON.parse(json) as AttemptEntry));
  }

  ping(): Promise<void> {
    return this.call('ping', async () => {
      await this.client.ping();
    });
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }

  /** Up to `limit` members newest first within [from, to], strictly older than `after`; and where the next page starts. */
  private async page(key: string, query: RunQuery | EventQuery): Promise<{ members: HistoryPosition[]; next: HistoryPosition | null }> {
    const max = query.after ? String(query.after.at) : query.to === undefined ? '+inf' : String(query.to);
    const min = query.from === undefined ? '-inf' : String(query.from);
    const wanted = query.limit + 1;
    const members: HistoryPosition[] = [];
    // Members sharing the cursor's time are skipped while they are not older (by id) than the cursor.
    for (let offset = 0; members.length < wanted;) {
      const batch = await this.client.zrange(key, max, min, 'BYSCORE', 'REV', 'LIMIT', offset, wanted, 'WITHSCORES');
      for (let index = 0; index + 1 < batch.length; index += 2) {
        const member = { id: batch[index]!, at: Number(batch[index + 1]) };
        if (query.after && member.at === query.after.at && member.id >= query.after.id) continue;
        if (query.to !== undefined && member.at > query.to) continue;
        members.push(member);
        if (members.length === wanted) break;
      }
      if (batch.length < wanted * 2) break;
      offset += wanted;
    }
    const page = members.slice(0, query.limit);
    const last = page.at(-1);
    return { members: page, next: members.length > query.limit && last ? { at: last.at, id: last.id } : null };
  }

  private async call<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new PlatformError(`redis history ${operation} failed: ${errorMessage(error)}`, { cause: error });
    }
  }
}

/**
 * A set member names its run and function (or event and name), so that any set read tells an entry
 * in full; JSON keeps any id or name unambiguous. Ties of a start time order by member.
 */
const runMember = (entry: Pick<RunEntry, 'runId' | 'functionId'>): string => JSON.stringify([entry.runId, entry.functionId]);
const eventMember = (entry: Pick<EventEntry, 'eventId' | 'name'>): string => JSON.stringify([entry.eventId, entry.name]);
const parseMember = (member: string): [string, string] => {
  const parsed = JSON.parse(member) as unknown;
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') throw new Error(`history member ${member.slice(0, 80)} is not [id, name]`);
  return [parsed[0], parsed[1]];
};

async function exec(multi: ReturnType<RedisClient['multi']>): Promise<void> {
  const replies = await multi.exec();
  const failed = replies?.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
}
