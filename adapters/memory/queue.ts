import { PlatformError, ValidationError } from '../../core/errors';
import { systemClock, type Clock } from '../../core/ports/clock';
import type { Queue, QueueMessage, ReceiveOptions, SendEntry } from '../../core/ports/queue';
import { Fifo } from './queue-fifo';
import { TimeHeap } from './queue-heap';

export interface MemoryQueueOptions<T> {
  /** Named in errors and receipts. @default 'memory' */
  name?: string;
  /** Deliveries of a message before it moves to `deadLetter` (ignored without one). @default 5 */
  maxReceiveCount?: number;
  /** Where messages received more than `maxReceiveCount` times go; without it they come back forever, as on SQS. */
  deadLetter?: Queue<T>;
  /** Largest message body in bytes, as JSON. @default 262_144 (SQS's limit, so what fails on AWS fails here) */
  maxMessageBytes?: number;
  /** Time source; timers follow it (jest's fake timers drive both). @default systemClock */
  clock?: Clock;
}

/** SQS refuses a message over 256 KiB. */
export const MEMORY_QUEUE_MAX_MESSAGE_BYTES = 262_144;
/** setTimeout cannot wait longer than this (about 24.8 days): longer delays wake up and wait again. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Compact the timed entries once this many of them are stale (acknowledged or re-timed). */
const COMPACT_AFTER_STALE = 1024;

interface StoredMessage {
  json: string;
  receiveCount: number;
  /** waiting: delayed or invisible after a receive; gone: acknowledged or dead-lettered. */
  state: 'ready' | 'waiting' | 'gone';
  /** Bumped on every change, so that the entries the heap and the list still hold for an older state are skipped. */
  version: number;
  receipt?: string;
}

interface Slot {
  message: StoredMessage;
  version: number;
}

interface Waiter<T> {
  max: number;
  visibilityMs: number;
  settle(messages: QueueMessage<T>[]): void;
}

/**
 * The queue port in memory, with SQS's semantics: delays of any length, visibility timeouts, receive
 * counts, redrive to a dead-letter queue, and a long poll that wakes as soon as a message is visible.
 * Ready messages sit in a list, timed ones (delayed or in flight) in a min-heap watched by one timer.
 */
export function createMemoryQueue<T>(options: MemoryQueueOptions<T> = {}): Queue<T> {
  const name = options.name ?? 'memory';
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const maxMessageBytes = options.maxMessageBytes ?? MEMORY_QUEUE_MAX_MESSAGE_BYTES;
  const clock = options.clock ?? systemClock;
  const deadLetter = options.deadLetter;

  const ready = new Fifo<Slot>();
  const timed = new TimeHeap<Slot>();
  const inFlight = new Map<string, StoredMessage>();
  const waiters = new Set<Waiter<T>>();
  let staleTimed = 0;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let receipts = 0;
  let closed = false;

  const isCurrent = (slot: Slot): boolean => slot.version === slot.message.version && slot.message.state !== 'gone';

  /** Leave the message's current place (marking a heap entry stale) before it moves. */
  const detach = (message: StoredMessage): void => {
    if (message.state === 'waiting') staleTimed += 1;
    message.version += 1;
  };

  const makeReady = (message: StoredMessage): void => {
    message.state = 'ready';
    ready.push({ message, version: message.version });
  };

  const makeWaiting = (message: StoredMessage, at: number): void => {
    message.state = 'waiting';
    timed.push(at, { message, version: message.version });
    if (at < timerAt) schedule();
  };

  const schedule = (): void => {
    if (staleTimed >= COMPACT_AFTER_STALE && staleTimed * 2 >= timed.size) {
      timed.retain(isCurrent);
      staleTimed = 0;
    }
    const at = timed.peekAt();
    if (at === timerAt) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    timerAt = Number.POSITIVE_INFINITY;
    if (at === undefined || closed) return;
    timerAt = at;
    timer = setTimeout(onTimer, Math.min(MAX_TIMER_MS, Math.max(0, at - clock.now())));
    timer.unref();
  };

  const onTimer = (): void => {
    timer = undefined;
    timerAt = Number.POSITIVE_INFINITY;
    const now = clock.now();
    for (let at = timed.peekAt(); at !== undefined && at <= now; at = timed.peekAt()) {
      const slot = timed.pop()!;
      if (!isCurrent(slot)) {
        staleTimed = Math.max(0, staleTimed - 1);
        continue;
      }
      slot.message.version += 1;
      makeReady(slot.message);
    }
    serveWaiters();
    schedule();
  };

  /** Take up to `max` ready messages for delivery; those received too often go to the dead-letter queue. */
  const take = (max: number, visibilityMs: number): QueueMessage<T>[] => {
    const delivered: QueueMessage<T>[] = [];
    const dead: StoredMessage[] = [];
    const visibleAt = clock.now() + Math.max(0, visibilityMs);
    while (delivered.length < max) {
      const slot = ready.shift();
      if (slot === undefined) break;
      if (!isCurrent(slot)) continue;
      const message = slot.message;
      if (message.receipt !== undefined) inFlight.delete(message.receipt);
      message.receipt = undefined;
      message.version += 1;
      if (deadLetter !== undefined && message.receiveCount >= maxReceiveCount) {
        message.state = 'gone';
        dead.push(message);
        continue;
      }
      message.receiveCount += 1;
      receipts += 1;
      message.receipt = `${name}/${receipts}`;
      inFlight.set(message.receipt, message);
      makeWaiting(message, visibleAt);
      delivered.push({ body: JSON.parse(message.json) as T, receipt: message.receipt, receiveCount: message.receiveCount });
    }
    if (dead.length > 0) redrive(dead);
    return delivered;
  };

  const redrive = (dead: StoredMessage[]): void => {
    deadLetter!.send(dead.map((message) => ({ body: JSON.parse(message.json) as T }))).catch(() => {
      // The dead-letter queue refused them (closed): keep them here rather than lose them.
      if (closed) return;
      for (const message of dead) makeReady(message);
      serveWaiters();
    });
  };

  const serveWaiters = (): void => {
    for (const waiter of waiters) {
      if (ready.size === 0) return;
      const messages = take(waiter.max, waiter.visibilityMs);
      if (messages.length === 0) return;
      waiter.settle(messages);
    }
  };

  const serialize = (entries: SendEntry<T>[]): string[] => {
    const problems: string[] = [];
    const bodies = entries.map((entry, index) => {
      const json = JSON.stringify(entry.body) as string | undefined;
      if (json === undefined) problems.push(`entries[${index}].body: not JSON`);
      else if (Buffer.byteLength(json) > maxMessageBytes) {
        problems.push(`entries[${index}]: ${Buffer.byteLength(json)} bytes is over the message size limit of ${maxMessageBytes} bytes`);
      }
      return json ?? '';
    });
    if (problems.length > 0) throw new ValidationError(problems.map((problem) => `queue ${name}: ${problem}`));
    return bodies;
  };

  const current = (receipt: string): StoredMessage | undefined => inFlight.get(receipt);

  return {
    async send(entries) {
      if (closed) throw new PlatformError(`queue ${name} is closed`);
      const bodies = serialize(entries);
      const now = clock.now();
      bodies.forEach((json, index) => {
        const message: StoredMessage = { json, receiveCount: 0, state: 'ready', version: 0 };
        const delayMs = entries[index]!.delayMs ?? 0;
        if (delayMs > 0) makeWaiting(message, now + delayMs);
        else makeReady(message);
      });
      serveWaiters();
    },

    receive({ max, waitMs, visibilityMs, signal }: ReceiveOptions) {
      const limit = Math.max(1, Math.floor(max));
      if (closed || signal?.aborted) return Promise.resolve([]);
      const messages = take(limit, visibilityMs);
      if (messages.length > 0 || waitMs <= 0) return Promise.resolve(messages);
      return new Promise<QueueMessage<T>[]>((resolve) => {
        const onAbort = (): void => waiter.settle([]);
        const waiter: Waiter<T> = {
          max: limit,
          visibilityMs,
          settle: (delivered) => {
            waiters.delete(waiter);
            clearTimeout(expiry);
            signal?.removeEventListener('abort', onAbort);
            resolve(delivered);
          },
        };
        const expiry = setTimeout(onAbort, Math.min(waitMs, MAX_TIMER_MS));
        expiry.unref();
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.add(waiter);
      });
    },

    async ack(message) {
      // Deleting with a receipt that is no longer current is harmless, as SQS's DeleteMessage is.
      const stored = current(message.receipt);
      if (stored === undefined) return;
      inFlight.delete(message.receipt);
      detach(stored);
      stored.state = 'gone';
      stored.receipt = undefined;
    },

    async setVisibility(message, ms) {
      const stored = current(message.receipt);
      if (stored === undefined || stored.state !== 'waiting') {
        throw new PlatformError(`queue ${name}: message ${message.receipt} is not in flight (acknowledged, or received again since)`);
      }
      detach(stored);
      if (ms > 0) makeWaiting(stored, clock.now() + ms);
      else {
        makeReady(stored);
        serveWaiters();
      }
      schedule();
    },

    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      for (const waiter of waiters) waiter.settle([]);
      ready.clear();
      timed.clear();
      inFlight.clear();
    },
  };
}
