import type { StepstackEvent } from '../../core/events/event';
import {
  type BatchAnswer, type FlowSkip, type FlowStore, type SlotAnswer, type SlotPass, type SlotRelease, type SlotRequest, type SlotWake, type ThrottleRequest, type ThrottleWake,
  THROTTLE_REPLAY_MS, THROTTLE_TIMER_LOST_MS,
} from '../../core/ports/flow-store';
import { ExpiringMap } from './state-expiring-map';

/**
 * One concurrency key: live holders (holder to lapse time), waiters in line (lowest score first, then
 * id), and the waiters woken for a reserved slot, kept until they claim it: one whose reservation
 * lapses unclaimed (its wake item was lost with the process that took it out of the line) goes back
 * in line, in its place, to be woken again.
 */
interface SlotKey {
  holders: Map<string, number>;
  waiters: Waiter[];
  woken: Map<string, Waiter>;
  guardAt: number;
}

interface Waiter {
  id: string;
  score: number;
  body: string;
}

/** One throttle key's waiting line, and the time its timer is armed for. */
interface ThrottleLine {
  waiters: Waiter[];
  wakeAt: number;
}

const RESERVED = 'w:';

/**
 * Flow control's counters in this process (the local stack). The same rules as the Redis scripts in
 * adapters/redis/flow/, which the conformance suite (tests/conformance/flow-store.suite.ts) holds to.
 */
export class MemoryFlowStore implements FlowStore {
  private readonly slots = new Map<string, SlotKey>();
  private readonly tats = new ExpiringMap<string, number>();
  private readonly lines = new Map<string, ThrottleLine>();
  /** Each throttle key's last wake (its timer's time and what it released), answered again to a timer that comes again. */
  private readonly lastWakes = new ExpiringMap<string, { at: number; released: { body: string; startAt: number }[] }>();
  private readonly windows = new Map<string, Map<string, number>>();
  private readonly singletons = new ExpiringMap<string, { runId: string; since: number }>();
  private readonly debounces = new ExpiringMap<string, { event: string; eventId: string; order: string; firstAt: number; dueAt: number }>();
  private readonly batches = new ExpiringMap<string, { id: string; events: string[]; ids: Set<string> }>();
  /** Taken batches' events by `<key>\n<batch id>` until released, and their events' batch by `<key>\n<event id>`. */
  private readonly taken = new ExpiringMap<string, string[]>();
  private readonly takenOf = new ExpiringMap<string, string>();
  private readonly runEventLists = new ExpiringMap<string, string>();
  private readonly skips = new ExpiringMap<string, FlowSkip[]>();

  constructor(private readonly now: () => number) {}

  async acquireSlot(request: SlotRequest): Promise<SlotAnswer> {
    const slot = this.slotKey(request.key);
    reap(slot, request.now);
    if (slot.holders.delete(RESERVED + request.waiter.id)) {
      slot.holders.set(request.holder, request.until);
      slot.woken.delete(request.waiter.id);
      dropWaiter(slot, request.waiter.id);
      return { outcome: 'acquired', woken: [] };
    }
    if (!slot.waiters.some((waiter) => waiter.id === request.waiter.id)) insertWaiter(slot.waiters, { ...request.waiter });
    let acquired = false;
    const woken: string[] = [];
    for (const waiter of takeFitting(slot, request.limit)) {
      if (waiter.id === request.waiter.id) {
        acquired = true;
        slot.holders.set(request.holder, request.until);
      } else {
        reserve(slot, waiter, request.now + request.reserveMs);
        woken.push(waiter.body);
      }
    }
    if (acquired) return { outcome: 'acquired', woken };
    const guardAt = this.armGuard(slot, request.now);
    return { outcome: 'parked', woken, ...(guardAt === undefined ? {} : { guardAt }) };
  }

  async renewSlot(key: string, holder: string, until: number): Promise<boolean> {
    const slot = this.slots.get(key);
    if (!slot?.holders.has(holder)) return false;
    slot.holders.set(holder, until);
    return true;
  }

  async releaseSlot(request: SlotRelease): Promise<string[]> {
    const slot = this.slots.get(request.key);
    if (!slot) return [];
    slot.holders.delete(request.holder);
    slot.holders.delete(RESERVED + request.waiterId);
    slot.woken.delete(request.waiterId);
    const woken = this.wake(slot, request);
    // An idle key is forgotten, as Redis lets its keys expire: keys are as many as the values seen.
    if (slot.holders.size === 0 && slot.waiters.length === 0 && slot.woken.size === 0) this.slots.delete(request.key);
    return woken;
  }

  async passSlot(request: SlotPass): Promise<{ kept: true } | { kept: false; woken: string[] }> {
    const slot = this.slotKey(request.key);
    reap(slot, request.now);
    const held = slot.holders.delete(request.from);
    if (held && slot.waiters.length === 0) {
      slot.holders.set(request.to, request.until);
      return { kept: true };
    }
    return { kept: false, woken: this.wake(slot, request) };
  }

  async wakeSlots(request: SlotWake): Promise<{ woken: string[]; guardAt?: number }> {
    const slot = this.slots.get(request.key);
    if (!slot) return { woken: [] };
    slot.guardAt = 0;
    const woken = this.wake(slot, request);
    // Woken waiters that have not claimed their slot keep a guard armed too: at their reservation's
    // lapse one whose item was lost goes back in line, and the guard's wake sends it again.
    const guardAt = slot.waiters.length > 0 || slot.woken.size > 0 ? this.armGuard(slot, request.now) : undefined;
    return { woken, ...(guardAt === undefined ? {} : { guardAt }) };
  }

  async slotState(key: string, now: number): Promise<{ holders: number; waiting: number }> {
    const slot = this.slots.get(key);
    if (!slot) return { holders: 0, waiting: 0 };
    reap(slot, now);
    return { holders: slot.holders.size, waiting: slot.waiters.length };
  }

  async throttleStart(request: ThrottleRequest): Promise<{ startAt?: number; wakeAt?: number }> {
    const { key, now, waiter } = request;
    const line = this.lines.get(key) ?? { waiters: [], wakeAt: 0 };
    if (line.waiters.length === 0) {
      const startAt = this.nextStart(request);
      if (startAt !== undefined) return { startAt };
    }
    this.lines.set(key, line);
    if (!line.waiters.some((other) => other.id === waiter.id)) insertWaiter(line.waiters, { ...waiter });
    if (line.wakeAt > now - THROTTLE_TIMER_LOST_MS) return {};
    line.wakeAt = Math.max(now, this.headTurn(request));
    return { wakeAt: line.wakeAt };
  }

  async wakeThrottle(request: ThrottleWake & { at: number; again: boolean }): Promise<{ released: { body: string; startAt: number }[]; wakeAt?: number }> {
    const { key, now } = request;
    const line = this.lines.get(key);
    const armed = line && line.wakeAt > now ? { wakeAt: line.wakeAt } : {};
    const last = this.lastWakes.get(key, now);
    if (request.again && last?.at === request.at) return { released: [...last.released], ...armed };
    if (!line) return { released: [] };
    const released: { body: string; startAt: number }[] = [];
    for (let head = line.waiters[0]; head; head = line.waiters[0]) {
      const startAt = this.nextStart(request);
      if (startAt === undefined) break;
      line.waiters.shift();
      released.push({ body: head.body, startAt });
    }
    // A twin of this timer that comes later and releases nothing leaves the answer to replay alone.
    if (released.length > 0 || last?.at !== request.at) this.lastWakes.set(key, { at: request.at, released }, now + THROTTLE_REPLAY_MS);
    if (line.waiters.length === 0) {
      this.lines.delete(key);
      return { released };
    }
    // Another timer is armed ahead (this one came twice): it carries on.
    if (line.wakeAt > now) return { released, ...(request.again ? armed : {}) };
    line.wakeAt = this.headTurn(request);
    return { released, wakeAt: line.wakeAt };
  }

  async throttleWaiter(request: ThrottleWake & { waiterId: string }): Promise<{ waiting: boolean; wakeAt?: number }> {
    const line = this.lines.get(request.key);
    if (!line?.waiters.some((waiter) => waiter.id === request.waiterId)) return { waiting: false };
    if (line.wakeAt === 0) line.wakeAt = Math.max(request.now, this.headTurn(request));
    return { waiting: true, wakeAt: line.wakeAt };
  }

  async throttleWaiting(key: string): Promise<number> {
    return this.lines.get(key)?.waiters.length ?? 0;
  }

  async rateLimit(key: string, request: { member: string; limit: number; periodMs: number; now: number }): Promise<boolean> {
    const window = this.windows.get(key) ?? new Map<string, number>();
    this.windows.set(key, window);
    for (const [member, at] of window) if (at <= request.now - request.periodMs) window.delete(member);
    if (window.has(request.member)) return true;
    if (window.size >= request.limit) return false;
    window.set(request.member, request.now);
    return true;
  }

  async singletonHolder(key: string): Promise<{ runId: string; since: number } | undefined> {
    return this.singletons.get(key, this.now());
  }

  async swapSingleton(key: string, request: { expected: string | undefined; runId: string; now: number; ttlMs: number }): Promise<boolean> {
    if (this.singletons.get(key, request.now)?.runId !== request.expected) return false;
    this.singletons.set(key, { runId: request.runId, since: request.now }, request.now + request.ttlMs);
    return true;
  }

  async debounce(key: string, request: { event: StepstackEvent; order: string; now: number; periodMs: number; timeoutMs?: number; ttlMs: number }): Promise<{ dueAt: number; pending: string; replaced?: string }> {
    const { event, now, periodMs, timeoutMs } = request;
    const pending = this.debounces.get(key, now);
    const firstAt = pending?.firstAt ?? now;
    const dueAt = timeoutMs === undefined ? now + periodMs : Math.min(now + periodMs, firstAt + timeoutMs);
    const keepsPending = pending !== undefined && pending.order > request.order;
    const winner = keepsPending ? pending : { event: JSON.stringify(event), eventId: event.id, order: request.order };
    this.debounces.set(key, { ...winner, firstAt, dueAt }, now + request.ttlMs);
    const loser = keepsPending ? event.id : pending?.eventId;
    return { dueAt, pending: winner.eventId, ...(loser !== undefined && loser !== winner.eventId ? { replaced: loser } : {}) };
  }

  async takeDebounced(key: string, eventId: string, now: number): Promise<StepstackEvent | undefined> {
    const pending = this.debounces.get(key, this.now());
    if (pending?.eventId !== eventId || pending.dueAt > now) return undefined;
    this.debounces.delete(key);
    return JSON.parse(pending.event) as StepstackEvent;
  }

  async addToBatch(key: string, request: { event: StepstackEvent; batchId: string; maxSize: number; ttlMs: number; keepMs: number; now: number }): Promise<BatchAnswer> {
    const { now } = request;
    const takenId = this.takenOf.get(`${key}\n${request.event.id}`, now);
    if (takenId !== undefined) {
      const events = this.taken.get(`${key}\n${takenId}`, now);
      return events ? { batchId: takenId, opened: false, full: parsed(events), again: true } : { batchId: takenId, opened: false, started: true };
    }
    const open = this.batches.get(key, now);
    const batch = open ?? { id: request.batchId, events: [], ids: new Set<string>() };
    if (!open) this.batches.set(key, batch, now + request.ttlMs);
    if (!batch.ids.has(request.event.id)) {
      batch.ids.add(request.event.id);
      batch.events.push(JSON.stringify(request.event));
    }
    if (batch.events.length < request.maxSize) return { batchId: batch.id, opened: !open };
    this.keepTaken(key, batch, now + request.keepMs);
    return { batchId: batch.id, opened: !open, full: parsed(batch.events) };
  }

  async takeBatch(key: string, request: { batchId: string; keepMs: number; now: number }): Promise<{ events: StepstackEvent[]; again: boolean } | undefined> {
    const { batchId, now } = request;
    const batch = this.batches.get(key, now);
    if (batch?.id === batchId) {
      this.keepTaken(key, batch, now + request.keepMs);
      return { events: parsed(batch.events), again: false };
    }
    const events = this.taken.get(`${key}\n${batchId}`, now);
    return events ? { events: parsed(events), again: true } : undefined;
  }

  async releaseBatch(key: string, batchId: string): Promise<void> {
    this.taken.delete(`${key}\n${batchId}`);
  }

  /** Drop what has expired (the state store calls it now and then). */
  sweep(now: number): void {
    for (const map of [this.tats, this.lastWakes, this.singletons, this.debounces, this.batches, this.taken, this.takenOf, this.runEventLists, this.skips]) map.sweep(now);
  }

  async saveRunEvents(runId: string, events: StepstackEvent[], ttlMs: number): Promise<void> {
    this.runEventLists.set(runId, JSON.stringify(events), this.now() + ttlMs);
  }

  async runEvents(runId: string): Promise<StepstackEvent[] | undefined> {
    const json = this.runEventLists.get(runId, this.now());
    return json === undefined ? undefined : (JSON.parse(json) as StepstackEvent[]);
  }

  async recordSkip(eventId: string, skip: FlowSkip, ttlMs: number): Promise<void> {
    const now = this.now();
    const skips = this.skips.get(eventId, now) ?? [];
    if (!skips.some((known) => known.function_id === skip.function_id)) skips.push({ function_id: skip.function_id, reason: skip.reason });
    this.skips.set(eventId, skips, now + ttlMs);
  }

  async skipsOf(eventId: string): Promise<FlowSkip[]> {
    return (this.skips.get(eventId, this.now()) ?? []).map((skip) => ({ ...skip }));
  }

  /** GCRA: the start time of one more start when it is at most `leadMs` ahead (taken), else undefined. */
  private nextStart(request: ThrottleWake): number | undefined {
    const { key, now, emissionMs, toleranceMs, leadMs } = request;
    const tat = this.tatNow(request);
    const startAt = Math.max(now, tat - toleranceMs);
    if (startAt > now + leadMs) return undefined;
    this.tats.set(key, tat + emissionMs, tat + emissionMs + toleranceMs + 1);
    return startAt;
  }

  /** When the head of a throttle's line is to be released: its GCRA turn (`tat - tolerance`), `leadMs` before. */
  private headTurn(request: ThrottleWake): number {
    return this.tatNow(request) - request.toleranceMs - request.leadMs;
  }

  /** The key's theoretical arrival time, not before now. */
  private tatNow(request: ThrottleWake): number {
    return Math.max(this.tats.get(request.key, request.now) ?? request.now, request.now);
  }

  /** Move a full (or timed-out) batch from open to taken, its events pointing to it. */
  private keepTaken(key: string, batch: { id: string; events: string[]; ids: Set<string> }, until: number): void {
    this.batches.delete(key);
    this.taken.set(`${key}\n${batch.id}`, batch.events, until);
    for (const id of batch.ids) this.takenOf.set(`${key}\n${id}`, batch.id, until);
  }

  private slotKey(key: string): SlotKey {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { holders: new Map(), waiters: [], woken: new Map(), guardAt: 0 };
      this.slots.set(key, slot);
    }
    return slot;
  }

  /** Wake the waiters that fit now, reserving a slot for each. */
  private wake(slot: SlotKey, request: { limit: number; now: number; reserveMs: number }): string[] {
    reap(slot, request.now);
    return takeFitting(slot, request.limit).map((waiter) => {
      reserve(slot, waiter, request.now + request.reserveMs);
      return waiter.body;
    });
  }

  /** When no guard is armed, arm it for the first lapse of a holder (returned: a wake must be sent then). */
  private armGuard(slot: SlotKey, now: number): number | undefined {
    if (slot.guardAt > now || slot.holders.size === 0) return undefined;
    slot.guardAt = Math.min(...slot.holders.values());
    return slot.guardAt;
  }
}

const parsed = (events: string[]): StepstackEvent[] => events.map((json) => JSON.parse(json) as StepstackEvent);

/** Drop lapsed holders; a woken waiter whose reservation lapsed unclaimed goes back in line. */
function reap(slot: SlotKey, now: number): void {
  for (const [holder, until] of slot.holders) {
    if (until > now) continue;
    slot.holders.delete(holder);
    const unclaimed = holder.startsWith(RESERVED) ? slot.woken.get(holder.slice(RESERVED.length)) : undefined;
    if (!unclaimed) continue;
    slot.woken.delete(unclaimed.id);
    if (!slot.waiters.some((waiter) => waiter.id === unclaimed.id)) insertWaiter(slot.waiters, unclaimed);
  }
}

/** A slot reserved for a woken waiter until `until`; the waiter is kept until it claims it. */
function reserve(slot: SlotKey, waiter: Waiter, until: number): void {
  slot.holders.set(RESERVED + waiter.id, until);
  slot.woken.set(waiter.id, waiter);
}

/** The first waiters in line that fit in the free slots, taken out of the line. */
function takeFitting(slot: SlotKey, limit: number): Waiter[] {
  const free = Math.max(0, limit - slot.holders.size);
  return slot.waiters.splice(0, free);
}

function dropWaiter(slot: SlotKey, id: string): void {
  const index = slot.waiters.findIndex((waiter) => waiter.id === id);
  if (index >= 0) slot.waiters.splice(index, 1);
}

function insertWaiter(waiters: Waiter[], waiter: Waiter): void {
  let low = 0;
  let high = waiters.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const other = waiters[middle] as Waiter;
    if (other.score < waiter.score || (other.score === waiter.score && other.id < waiter.id)) low = middle + 1;
    else high = middle;
  }
  waiters.splice(low, 0, waiter);
}
