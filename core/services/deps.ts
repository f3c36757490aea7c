import type { EventStream } from '../events/stream';
import type { Clock } from '../ports/clock';
import type { HistoryStore } from '../ports/history';
import type { Logger } from '../ports/logger';
import type { Metrics } from '../ports/metrics';
import type { Queue } from '../ports/queue';
import type { StateStore } from '../ports/state';
import type { RetrySettings } from '../run/backoff';
import type { WorkItem } from '../run/work-item';

/** The ports every engine service works over. */
export interface EngineDeps {
  state: StateStore;
  /** The step queue. */
  queue: Queue<WorkItem>;
  clock: Clock;
  logger: Logger;
  retry: RetrySettings;
  /** How long runs, outputs and events are kept. @default 7 days */
  retentionMs: number;
  newId: (now?: number) => string;
  /** Where counts go; none are kept when absent. */
  metrics?: Metrics;
  /** The event stream, for the platform's own events (`inngest/function.finished`, ...); none are sent when absent. */
  eventStream?: EventStream;
  /** The run and event history index (listing); runs are not listed when absent. */
  history?: HistoryStore;
}

/** The Event API's side: where accepted events go. */
export interface IntakeDeps {
  stream: EventStream;
  clock: Clock;
  newId: (now?: number) => string;
  /** Where counts go (events accepted); none are kept when absent. */
  metrics?: Metrics;
}

export const DAY_MS = 24 * 60 * 60 * 1000;
