/** An accepted event: `id` and `ts` are always set after the Event API took it. */
export interface StepstackEvent {
  name: string;
  data: Record<string, unknown>;
  user?: Record<string, unknown>;
  id: string;
  /** Milliseconds since the epoch. */
  ts: number;
  v?: string;
  /** Other top-level fields that SDKs send (such as `meta`) are kept. */
  [field: string]: unknown;
}

/** Names under this prefix belong to the platform (cron ticks, for example). */
export const RESERVED_EVENT_PREFIX = 'inngest/';

/** The event that starts a run for a cron trigger. */
export const CRON_EVENT_NAME = 'inngest/scheduled.timer';
