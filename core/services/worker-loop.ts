import { setMaxListeners } from 'node:events';
import { errorMessage } from '../errors';
import type { Logger } from '../ports/logger';
import type { Queue, QueueMessage } from '../ports/queue';
import type { Disposition } from './executor';

export type WorkerState = 'RUNNING' | 'DRAINING' | 'STOPPED';

export interface WorkerOptions<T> {
  name: string;
  queue: Queue<T>;
  /** Handle one message; throwing leaves it on the queue to be retried (a platform fault). */
  handle(message: QueueMessage<T>, signal: AbortSignal): Promise<Disposition>;
  /** Messages handled at once. @default 10 */
  concurrency?: number;
  /** How long a received message stays hidden; extended while it is handled. @default 60_000 */
  visibilityMs?: number;
  /** Long-poll wait. @default 20_000 */
  waitMs?: number;
  logger: Logger;
  /** Correlation ids of a message for the log line of its failure (e.g. runId, stepId). @default none */
  correlate?(body: T): Record<string, unknown>;
}

export interface Worker {
  readonly state: WorkerState;
  /** Messages being handled now. */
  readonly inFlight: number;
  /** Waiting in a receive, none in hand or a slot free: nothing is due on the queue (tests wait for quiescence with it). */
  readonly receiving: boolean;
  /** Stop receiving, let work in hand finish until `deadlineMs` passes, then abort it (it returns to the queue). */
  stop(deadlineMs?: number): Promise<void>;
}

/**
 * Poll a queue and handle its messages with bounded concurrency, as middy's ecs-batch does: a message
 * is acknowledged only after it was handled; a failure leaves it to the queue's own retry.
 */
export function startWorker<T>(options: WorkerOptions<T>): Worker {
  const concurrency = options.concurrency ?? 10;
  const visibilityMs = options.visibilityMs ?? 60_000;
  const polling = new AbortController();
  const working = new AbortController();
  // Every message in hand listens on this signal (drivers abort their calls on it).
  setMaxListeners(concurrency + 10, working.signal);
  const inFlight = new Set<Promise<void>>();
  let state: WorkerState = 'RUNNING';
  let slotFreed: (() => void) | undefined;
  let receiving = false;

  // Messages in hand, by when they were last made invisible: one timer extends the long-running ones
  // (a timer per message would cost more than most messages take).
  const inHand = new Map<QueueMessage<T>, number>();
  const heartbeat = setInterval(() => {
    const due = Date.now() - visibilityMs / 3;
    for (const [message, extendedAt] of inHand) {
      if (extendedAt > due) continue;
      inHand.set(message, Date.now());
      options.queue.setVisibility(message, visibilityMs).catch(() => undefined);
    }
  }, Math.max(10, visibilityMs / 6));
  heartbeat.unref();

  const handleOne = async (message: QueueMessage<T>): Promise<void> => {
    inHand.set(message, Date.now());
    try {
      const disposition = await options.handle(message, working.signal);
      inHand.delete(message);
      if (disposition.kind === 'ack') await options.queue.ack(message);
      else await options.queue.setVisibility(message, disposition.afterMs);
    } catch (error) {
      inHand.delete(message);
      options.logger.error(`${options.name}: message failed, left for retry`, {
        ...options.correlate?.(message.body), receiveCount: message.receiveCount, error: errorMessage(error),
      });
      // Retry sooner than the visibility timeout, backing off with each delivery.
      const backoffMs = Math.min(visibilityMs, 250 * 2 ** Math.min(message.receiveCount, 8));
      await options.queue.setVisibility(message, working.signal.aborted ? 0 : backoffMs).catch(() => undefined);
    }
  };

  const loop = async (): Promise<void> => {
    while (!polling.signal.aborted) {
      if (inFlight.size >= concurrency) {
        await new Promise<void>((resolve) => (slotFreed = resolve));
        continue;
      }
      let messages: QueueMessage<T>[];
      try {
        receiving = true;
        messages = await options.queue.receive({
          max: Math.min(10, concurrency - inFlight.size), waitMs: options.waitMs ?? 20_000, visibilityMs, signal: polling.signal,
        });
      } catch (error) {
        receiving = false;
        if (polling.signal.aborted) break;
        options.logger.error(`${options.name}: receive failed`, { error: errorMessage(error) });
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      receiving = false;
      for (const message of messages) {
        const task = handleOne(message).finally(() => {
          inFlight.delete(task);
          slotFreed?.();
          slotFreed = undefined;
        });
        inFlight.add(task);
      }
    }
  };
  const looping = loop();

  return {
    get state() {
      return state;
    },
    get inFlight() {
      return inFlight.size;
    },
    get receiving() {
      return receiving;
    },
    async stop(deadlineMs = 30_000) {
      if (state !== 'RUNNING') return;
      state = 'DRAINING';
      polling.abort();
      slotFreed?.();
      await looping;
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, deadlineMs).unref());
      await Promise.race([Promise.all(inFlight), deadline]);
      working.abort();
      await Promise.all(inFlight);
      clearInterval(heartbeat);
      state = 'STOPPED';
    },
  };
}
