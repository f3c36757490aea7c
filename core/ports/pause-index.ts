import type { StepstackEvent } from '../events/event';

/**
 * Finds the pauses an incoming event may resume or cancel without reading the others
 * (docs/decisions/003): a pause whose expression holds an equality `async.<path> == <value known when
 * the pause was made>` is indexed under its event name, that path and that value; other pauses are
 * kept per event name and tested one by one against what their record holds. Expired pauses leave
 * the index by time (a sorted set of expiry times), never by a scan.
 */
export interface PauseIndex {
  /** Make a pause findable; idempotent by id. */
  indexPause(pause: IndexedPause): Promise<void>;
  /**
   * The pauses that may match `event`: those of its name indexed under the value the event holds at
   * their path, plus its name's unkeyed ones. Never an expired one; each call also drops a bounded
   * number of expired entries.
   */
  candidatesFor(event: StepstackEvent, now: number): Promise<IndexedPause[]>;
  /** Drop a pause; a no-op when it is not indexed. */
  dropPause(eventName: string, pauseId: string): Promise<void>;
}

/** The format of indexed pause records; readers refuse another (SPEC section 5). */
export const PAUSE_FORMAT = 1;

export interface IndexedPause {
  id: string;
  runId: string;
  functionId: string;
  kind: 'async' | 'cancel';
  /** The awaited event's name. */
  event: string;
  expiresAt: number;
  /** An equality every matching event satisfies: the value (canonical JSON of a scalar) at `path` of the event. */
  key?: PauseKey;
  /** What else must hold (CEL over `event`, `steps`, `async`), with the values of `event` and `steps` it reads. */
  residual?: { source: string; vars: { event?: unknown; steps?: Record<string, unknown> } };
}

export interface PauseKey {
  /** Field names from the event's root, e.g. `["data", "id"]` for `async.data.id`. */
  path: string[];
  /** `JSON.stringify` of the value: `"\"abc\""`, `"42"`, `"true"`, `"null"`. */
  value: string;
}
