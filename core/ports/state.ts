import type { StepstackEvent } from '../events/event';
import type { FunctionDefinition } from '../functions/definition';
import type { AppRegistry } from './apps';
import type { FlowStore } from './flow-store';
import type { PauseIndex } from './pause-index';
import type { RunStore } from './run-store';

/**
 * Where runs, step outputs, pauses, events, idempotency keys and functions live (Redis on AWS, in
 * memory locally). Every method is one atomic operation; none spans two runs.
 */
export interface StateStore extends RunStore, PauseIndex, EventLog, DeadEventStore, IdempotencyStore, FunctionRegistry, AppRegistry {
  /** Flow control's counters and holding areas (SPEC section 3), beside the runs. */
  readonly flow: FlowStore;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How long runs, outputs and events are kept when a stage sets nothing (SPEC: 7 days). */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export interface EventLog {
  /** Keep an event for `ttlMs`; false when an event with that id is already kept (the first wins). */
  saveEvent(event: StepstackEvent, ttlMs: number): Promise<boolean>;
  getEvent(eventId: string): Promise<StepstackEvent | undefined>;
  /** Record that `runId` started from `eventId`; idempotent. */
  linkRun(eventId: string, runId: string, ttlMs: number): Promise<void>;
  /** Ids of the runs an event started, oldest first. */
  runsForEvent(eventId: string): Promise<string[]>;
}

/** Events the runner could not process (they reached the event stream's dead-letter queue), kept to be seen and sent again. */
export interface DeadEventStore {
  /** Keep a dead event (idempotent by event id; the latest record wins). */
  saveDeadEvent(dead: DeadEvent, ttlMs: number): Promise<void>;
  /** Dead events, newest first, `limit` at a time from `cursor` (the `next` of the previous page). */
  listDeadEvents(limit: number, cursor?: string): Promise<{ events: DeadEvent[]; next: string | null }>;
  /** A dead event by its event id; undefined when there is none. */
  getDeadEvent(eventId: string): Promise<DeadEvent | undefined>;
  /** Remove a dead event and return it (once it was sent again); undefined when there is none. */
  takeDeadEvent(eventId: string): Promise<DeadEvent | undefined>;
}

export interface DeadEvent {
  event: StepstackEvent;
  /** When it reached the dead-letter queue (ms). */
  deadAt: number;
  /** Deliveries to the runner before it was given up. */
  receiveCount: number;
}

export interface IdempotencyStore {
  /** Claim `key` for `value` during `ttlMs`; returns the value holding the key (`value` when first). */
  claimKey(key: string, value: string, ttlMs: number): Promise<string>;
  /**
   * Claim the run an event starts, and link the event to whichever run holds the claim (as linkRun),
   * in one step: a run's start costs one round trip for both. Returns the holder (`runId` when first).
   * These claims are apart from claimKey's, even under the same key.
   */
  claimRun(claim: RunClaim): Promise<string>;
}

export interface RunClaim {
  /** The event the run starts from: the holder is linked to it. */
  eventId: string;
  /** What the run is for, such as `run:<function id>:<event id>`. */
  key: string;
  /** The run id to claim the key for. */
  runId: string;
  /** How long the claim holds (SPEC: an event id starts no new runs for 24 h). */
  ttlMs: number;
  /** How long the link is kept (the retention of runs). */
  linkTtlMs: number;
}

export interface FunctionRegistry {
  /** Create or replace a function (already validated). */
  putFunction(definition: FunctionDefinition): Promise<void>;
  getFunction(id: string): Promise<FunctionDefinition | undefined>;
  listFunctions(): Promise<FunctionDefinition[]>;
  /** false when there was no such function. */
  deleteFunction(id: string): Promise<boolean>;
  /** Grows on every change, so that readers can cache the list. */
  functionsVersion(): Promise<number>;
}
