import type { StepstackEvent } from '../../core/events/event';
import { eventValueAt } from '../../core/expressions/pause-match';
import type { IndexedPause, PauseIndex } from '../../core/ports/pause-index';
import { EXPIRED_DROPS_PER_CALL, checkIndexable, decodePause, encodePause } from '../../core/ports/pause-record';
import { TimeHeap } from './queue-heap';

/** The pauses of one event name, laid out as the Redis index lays them out (adapters/redis/pause-index.ts). */
interface PausesOfName {
  /** Keyed paths (JSON of the field list) with how many pauses use each. */
  paths: Map<string, { path: string[]; pauses: number }>;
  /** By location (`UNKEYED`, or path JSON `=` value), pause id to record JSON. */
  buckets: Map<string, Map<string, string>>;
  /** Pause id to where it is; its `entry` is the one live heap entry of the pause. */
  where: Map<string, Placed>;
  expiries: TimeHeap<ExpiryEntry>;
  /** Heap entries no longer live (their pause dropped or re-timed): compacted when they outnumber the live ones. */
  staleExpiries: number;
}

interface Placed {
  location: string;
  pathJson?: string;
  entry: ExpiryEntry;
}

interface ExpiryEntry {
  id: string;
  expiresAt: number;
}

const UNKEYED = '';
const STALE_SLACK = 1024;

/** The pause index in memory: Maps only, records kept as JSON so that callers never share an object with it. */
export class MemoryPauseIndex implements PauseIndex {
  private readonly names = new Map<string, PausesOfName>();

  async indexPause(pause: IndexedPause): Promise<void> {
    checkIndexable(pause);
    let name = this.names.get(pause.event);
    if (!name) {
      name = { paths: new Map(), buckets: new Map(), where: new Map(), expiries: new TimeHeap(), staleExpiries: 0 };
      this.names.set(pause.event, name);
    }
    const pathJson = pause.key && JSON.stringify(pause.key.path);
    const location = pause.key ? locationOf(pathJson!, pause.key.value) : UNKEYED;
    const held = name.where.get(pause.id);
    if (held && held.location !== location) this.unplace(name, pause.id, held);
    const retimed = held !== undefined && held.entry.expiresAt !== pause.expiresAt;
    let entry = held?.entry;
    if (!entry || retimed) {
      entry = { id: pause.id, expiresAt: pause.expiresAt };
      name.expiries.push(entry.expiresAt, entry);
    }
    if (!held || held.location !== location) {
      if (pathJson) {
        const used = name.paths.get(pathJson);
        if (used) used.pauses += 1;
        else name.paths.set(pathJson, { path: [...pause.key!.path], pauses: 1 });
      }
    }
    name.where.set(pause.id, { location, ...(pathJson ? { pathJson } : {}), entry });
    // After `where` holds the new entry: a compaction keeps only the entries `where` holds.
    if (retimed) this.retire(name);
    let bucket = name.buckets.get(location);
    if (!bucket) name.buckets.set(location, (bucket = new Map()));
    bucket.set(pause.id, encodePause(pause));
  }

  async candidatesFor(event: StepstackEvent, now: number): Promise<IndexedPause[]> {
    const name = this.names.get(event.name);
    if (!name) return [];
    this.dropExpired(name, now);
    if (name.where.size === 0) this.names.delete(event.name);
    const records: string[] = [...(name.buckets.get(UNKEYED)?.values() ?? [])];
    for (const [pathJson, { path }] of name.paths) {
      const value = eventValueAt(event, path);
      if (value !== undefined) records.push(...(name.buckets.get(locationOf(pathJson, value))?.values() ?? []));
    }
    return records.map(decodePause).filter((pause) => pause.expiresAt > now);
  }

  async dropPause(eventName: string, pauseId: string): Promise<void> {
    const name = this.names.get(eventName);
    const held = name?.where.get(pauseId);
    if (!name || !held) return;
    this.unplace(name, pauseId, held);
    name.where.delete(pauseId);
    this.retire(name);
    // Stale heap entries of an empty name go with it.
    if (name.where.size === 0) this.names.delete(eventName);
  }

  /** Store a record's text as it is, e.g. one that another release wrote (tests of format refusal). */
  replaceRecord(eventName: string, pauseId: string, json: string): void {
    const name = this.names.get(eventName);
    const held = name?.where.get(pauseId);
    if (!name || !held) throw new Error(`pause ${pauseId} of event '${eventName}' is not indexed`);
    name.buckets.get(held.location)!.set(pauseId, json);
  }

  /** What is held for an event name: pauses, live expiry entries, all heap entries and non-empty buckets (tests of cleanup). */
  footprint(eventName: string): { pauses: number; expiries: number; heapEntries: number; buckets: number } {
    const name = this.names.get(eventName);
    if (!name) return { pauses: 0, expiries: 0, heapEntries: 0, buckets: 0 };
    return { pauses: name.where.size, expiries: name.expiries.size - name.staleExpiries, heapEntries: name.expiries.size, buckets: name.buckets.size };
  }

  /** Take a pause out of its bucket and its path's count (not out of `where`). */
  private unplace(name: PausesOfName, pauseId: string, held: Placed): void {
    const bucket = name.buckets.get(held.location);
    bucket?.delete(pauseId);
    if (bucket?.size === 0) name.buckets.delete(held.location);
    if (held.pathJson) {
      const used = name.paths.get(held.pathJson)!;
      used.pauses -= 1;
      if (used.pauses === 0) name.paths.delete(held.pathJson);
    }
  }

  /** Count a heap entry that stopped being live; compact the heap when the stale ones dominate. */
  private retire(name: PausesOfName): void {
    name.staleExpiries += 1;
    if (name.staleExpiries <= name.where.size + STALE_SLACK) return;
    name.expiries.retain((entry) => name.where.get(entry.id)?.entry === entry);
    name.staleExpiries = 0;
  }

  /** Pop up to EXPIRED_DROPS_PER_CALL entries due by `now`, dropping the pauses whose live entry they are. */
  private dropExpired(name: PausesOfName, now: number): void {
    for (let popped = 0; popped < EXPIRED_DROPS_PER_CALL && (name.expiries.peekAt() ?? Infinity) <= now; popped += 1) {
      const entry = name.expiries.pop()!;
      const held = name.where.get(entry.id);
      if (held?.entry === entry) {
        this.unplace(name, entry.id, held);
        name.where.delete(entry.id);
      } else {
        name.staleExpiries -= 1;
      }
    }
  }
}

function locationOf(pathJson: string, value: string): string {
  return `${pathJson}=${value}`;
}
