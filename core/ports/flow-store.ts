import type { StepstackEvent } from '../events/event';

/**
 * The counters and holding areas of flow control (SPEC section 3, docs/decisions/004), beside the
 * queue and not in the runs: each key (a function's concurrency key, a throttle key, ...) is one
 * atomic unit (one Redis slot). Keys are built by the engine (core/flow/*) and opaque here; times
 * come from the caller's clock. Every method is one atomic operation on one key.
 */
export interface FlowStore {
  /**
   * Take a concurrency slot for `holder` until `until`, or park `waiter` (idempotent by its id) until
   * a slot frees. A reservation made for this waiter by a release is taken first. Expired holders
   * are dropped on the way, and waiters that now fit are woken (reserved and returned to be sent).
   */
  acquireSlot(request: SlotRequest): Promise<SlotAnswer>;
  /** Extend a holder's slot (a running step renewing its lease); false when it holds none any more. */
  renewSlot(key: string, holder: string, until: number): Promise<boolean>;
  /** Give back `holder`'s slot (and the reservation of `waiterId`); wakes the waiters that now fit. */
  releaseSlot(request: SlotRelease): Promise<string[]>;
  /**
   * Hand `from`'s slot to `to` (the next step of a chain) when nobody waits for the key: `kept`.
   * Otherwise give it back like `releaseSlot` (the woken are returned) and the next step must queue.
   */
  passSlot(request: SlotPass): Promise<{ kept: true } | { kept: false; woken: string[] }>;
  /** Drop expired holders and wake the waiters that fit (a dead executor's slots come back). */
  wakeSlots(request: SlotWake): Promise<{ woken: string[]; guardAt?: number }>;
  /** Slots held (live) and waiters parked, for views and tests. */
  slotState(key: string, now: number): Promise<{ holders: number; waiting: number }>;

  /**
   * A run start under a throttle: GCRA (from idle `toleranceMs / emissionMs + 1` at once, then one
   * per `emissionMs`) with a waiting line. The start goes at once (`startAt`, at most `leadMs` ahead)
   * when nobody waits and GCRA allows it by then; otherwise `waiter` waits in the key's line (lowest
   * score first, then id; once per id) for the key's timer (`wakeThrottle`). `wakeAt`: this call
   * armed the timer (none was, or the armed one is long overdue: lost); a wake must be sent for then.
   */
  throttleStart(request: ThrottleRequest): Promise<{ startAt?: number; wakeAt?: number }>;
  /**
   * The key's timer armed for `at`: release the head of the line while GCRA gives it a start at most
   * `leadMs` ahead (each with that start time), and re-arm the timer for the next (`wakeAt`) unless
   * another is armed ahead. `again`: the timer came again, its first try may have died before sending
   * what it got; the starts released for `at` are answered again, with the armed timer.
   */
  wakeThrottle(request: ThrottleWake & { at: number; again: boolean }): Promise<{ released: { body: string; startAt: number }[]; wakeAt?: number }>;
  /**
   * Whether `waiterId` still waits in the key's line; if so, also the time the key's timer is armed
   * for (arming it for the head's turn when none is), to be sent again: the call that parked the
   * waiter may have died before sending it.
   */
  throttleWaiter(request: ThrottleWake & { waiterId: string }): Promise<{ waiting: boolean; wakeAt?: number }>;
  /** Waiters in a throttle's line, for views and tests. */
  throttleWaiting(key: string): Promise<number>;
  /** A sliding window of `periodMs`: true (and counted) when fewer than `limit` members are in it; a member already in it is allowed again. */
  rateLimit(key: string, request: { member: string; limit: number; periodMs: number; now: number }): Promise<boolean>;

  /** The run holding a singleton key, with when it took it. */
  singletonHolder(key: string): Promise<{ runId: string; since: number } | undefined>;
  /** Make `runId` the holder when the current one is `expected` (undefined: none); false when another got there first. */
  swapSingleton(key: string, request: { expected: string | undefined; runId: string; now: number; ttlMs: number }): Promise<boolean>;

  /**
   * Restart a debounce window's period for `event`, which becomes its pending event unless the
   * pending one is later by `order` (arrival at the Event API: the stream may reorder); the
   * window's first time caps the delay at `timeoutMs`. Returns when it is due, the pending event's
   * id, and the event that lost (the one replaced, or `event` itself).
   */
  debounce(key: string, request: { event: StepstackEvent; order: string; now: number; periodMs: number; timeoutMs?: number; ttlMs: number }): Promise<{ dueAt: number; pending: string; replaced?: string }>;
  /** Take the pending event of a window if it is still `eventId` and the window is due by `now`. */
  takeDebounced(key: string, eventId: string, now: number): Promise<StepstackEvent | undefined>;

  /**
   * Add an event to the open batch of `key` (opening one as `batchId` when none is), idempotent by
   * event id. A batch that reaches `maxSize` is taken at once and returned as `full`. A taken batch
   * is kept for `keepMs` (each of its events pointing to it) until released: any of its events that
   * comes again gets the same `full` answer, marked `again`; once released, `started` (its run exists).
   */
  addToBatch(key: string, request: { event: StepstackEvent; batchId: string; maxSize: number; ttlMs: number; keepMs: number; now: number }): Promise<BatchAnswer>;
  /** Take the batch `batchId` if it is still the open one of `key` (kept as addToBatch keeps a full one), or again while taken and not released. */
  takeBatch(key: string, request: { batchId: string; keepMs: number; now: number }): Promise<{ events: StepstackEvent[]; again: boolean } | undefined>;
  /** The run of a taken batch exists: forget its events (its events' ids still answer `started` until `keepMs` passes). */
  releaseBatch(key: string, batchId: string): Promise<void>;
  /** Keep a run's events (a batch), for its steps' input. */
  saveRunEvents(runId: string, events: StepstackEvent[], ttlMs: number): Promise<void>;
  runEvents(runId: string): Promise<StepstackEvent[] | undefined>;

  /** Note that an event started no run of a function, and why (idempotent). */
  recordSkip(eventId: string, skip: FlowSkip, ttlMs: number): Promise<void>;
  skipsOf(eventId: string): Promise<FlowSkip[]>;
}

/** A throttle timer this long overdue is taken as lost (its sender died): the next arrival arms another. Every adapter holds to it. */
export const THROTTLE_TIMER_LOST_MS = 30_000;
/** How long a throttle's last wake is kept for its timer to come again (a queue's redelivery after a crash). Every adapter holds to it. */
export const THROTTLE_REPLAY_MS = 3_600_000;

export interface ThrottleWake {
  key: string;
  now: number;
  /** The interval between starts (`period / limit`). */
  emissionMs: number;
  /** How far ahead of its turn a start may go (`burst` intervals). */
  toleranceMs: number;
  /** How far ahead of its start time a waiter is released (covers a queue's delivery delay). */
  leadMs: number;
}

export interface ThrottleRequest extends ThrottleWake {
  /** What waits: `body` is handed back when released; lower `score` goes first, then lower `id`. */
  waiter: { id: string; score: number; body: string };
}

/** Where an event went in its batch (see `addToBatch`). */
export interface BatchAnswer {
  batchId: string;
  /** This event opened the batch: its timeout timer is to be sent. */
  opened: boolean;
  /** The batch is full and taken: start its run with these events (in the order added). */
  full?: StepstackEvent[];
  /** `full` was answered before (a redelivered event, or the batch's timer): the run may exist, partly started. */
  again?: true;
  /** The event's batch was taken and its run created. */
  started?: true;
}

export type SkipReason = 'rate_limited' | 'idempotent' | 'debounced' | 'singleton';

/** An event that started no run of a function because of flow control (SPEC section 3). */
export interface FlowSkip {
  function_id: string;
  reason: SkipReason;
}

export interface SlotRequest {
  key: string;
  limit: number;
  holder: string;
  /** When the slot lapses unless renewed (the step's lease end). */
  until: number;
  now: number;
  /** What to park when no slot is free: `body` is sent back to the queue when woken; lower `score` goes first. */
  waiter: { id: string; score: number; body: string };
  /** How long a slot reserved for a woken waiter is kept for it. */
  reserveMs: number;
}

export type SlotAnswer =
  | { outcome: 'acquired'; woken: string[] }
  /** `guardAt`: this call armed the key's guard; a wake must be sent for then (a holder's slot lapses then unless renewed). */
  | { outcome: 'parked'; woken: string[]; guardAt?: number };

export interface SlotRelease {
  key: string;
  limit: number;
  holder: string;
  waiterId: string;
  now: number;
  reserveMs: number;
}

export interface SlotPass {
  key: string;
  limit: number;
  from: string;
  to: string;
  /** When the slot lapses for `to` unless renewed. */
  until: number;
  now: number;
  reserveMs: number;
}

export interface SlotWake {
  key: string;
  limit: number;
  now: number;
  reserveMs: number;
}
