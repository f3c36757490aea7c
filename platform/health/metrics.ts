import type { Queue, QueueMessage } from '../../core/ports/queue';
import type { Disposition } from '../../core/services/executor';

/** What a daemon's health endpoint reports (platform/health/server.ts): the executor's and the ECS runner's. */
export interface DaemonMetrics {
  stepsInFlight: number;
  stepsDone: number;
  /** Items left for a retry, or whose handling threw (a platform fault: the queue redelivers them). */
  stepsFailed: number;
  polls: number;
  pollErrors: number;
  /** How long the last receive took, long-poll wait included. */
  lastPollMs: number;
  /** When the last receive answered (ms since the epoch), or 0. */
  lastPollAt: number;
}

/** Counters kept by wrapping the daemon's queue and handler, so that the daemon itself stays unaware of them. */
export function createDaemonMetrics(now: () => number = Date.now) {
  const metrics: DaemonMetrics = { stepsInFlight: 0, stepsDone: 0, stepsFailed: 0, polls: 0, pollErrors: 0, lastPollMs: 0, lastPollAt: 0 };
  return {
    metrics,
    queue<T>(queue: Queue<T>): Queue<T> {
      return {
        send: (entries) => queue.send(entries),
        ack: (message) => queue.ack(message),
        setVisibility: (message, ms) => queue.setVisibility(message, ms),
        close: () => queue.close(),
        async receive(options) {
          const started = now();
          try {
            const messages = await queue.receive(options);
            metrics.polls += 1;
            metrics.lastPollMs = now() - started;
            metrics.lastPollAt = now();
            return messages;
          } catch (error) {
            metrics.pollErrors += 1;
            throw error;
          }
        },
      };
    },
    handle<T>(handle: (message: QueueMessage<T>, signal: AbortSignal) => Promise<Disposition>) {
      return async (message: QueueMessage<T>, signal: AbortSignal): Promise<Disposition> => {
        metrics.stepsInFlight += 1;
        try {
          const disposition = await handle(message, signal);
          if (disposition.kind === 'ack') metrics.stepsDone += 1;
          else metrics.stepsFailed += 1;
          return disposition;
        } catch (error) {
          metrics.stepsFailed += 1;
          throw error;
        } finally {
          metrics.stepsInFlight -= 1;
        }
      };
    },
  };
}
