import type { StepstackEvent } from '../events/event';
import type { FunctionDefinition } from '../functions/definition';
import type { RunDoc, RunSnapshot } from '../run/run';

/**
 * Where runs, step outputs, pauses, events, idempotency keys and functions live (Redis on AWS, in
 * memory locally). Every method is one atomic operation; none spans two runs.
 */
export interface StateStore extends RunStore, PauseIndex, EventLog, IdempotencyStore, FunctionRegistry {
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How long runs, outputs and events are kept when a stage sets nothing (SPEC: 7 days). */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export interface RunStore {
  /** Create the run (at version 1) unless its id exists; true when this call created it. */
  createRun(doc: RunDoc, definition: FunctionDefinition): Promise<boolean>;
  /** The run, its outputs, its definition and live leases; undefined when absent or expired. */
  loadRun(runId: string): Promise<LoadedRun | undefined>;
  /**
   * Lease a step of a run to `owner` until `now + leaseMs`, so that a duplicated work item cannot run
   * it twice at once, and read the run in the same operation. A live lease of another owner is `busy`.
   */
  leaseStep(lease: LeaseRequest): Promise<LeaseResult>;
  /** Extend a lease `owner` holds; false when it holds it no more. */
  renewLease(lease: LeaseRequest): Promise<boolean>;
  /** Drop a lease `owner` holds (a no-op otherwise). */
  releaseLease(runId: string, stepId: string, owner: string): Promise<void>;
  /**
   * Atomically replace the run with `next` when the stored version is `next.version - 1`: saves
   * `outputs` (by step id), releases `release` if `release.owner` holds it, leases `lease.stepId` to
   * `lease.owner` until `lease.until` (the committing executor runs that step next), and refreshes
   * retention. false, changing nothing, when another commit came first.
   */
  commitRun(next: RunDoc, outputs: Record<string, unknown>, release?: { stepId: string; owner: string }, lease?: CommitLease): Promise<boolean>;
}

/** A lease taken by a commit on a step it schedules. */
export interface CommitLease {
  stepId: string;
  owner: string;
  /** When the lease ends (ms). */
  until: number;
}

export interface LeaseRequest {
  runId: string;
  stepId: string;
  owner: string;
  leaseMs: number;
  now: number;
}

export type LeaseResult =
  | { status: 'leased'; run: LoadedRun }
  | { status: 'busy'; until: number }
  | { status: 'missing' };

export interface LoadedRun extends RunSnapshot {
  definition: FunctionDefinition;
  /** Live leases: step id to the time (ms) the lease ends. */
  leases: Record<string, number>;
}

/** A pause as the index finds it by event name; the run's own `pauses` say whether it still holds. */
export interface PauseRecord {
  id: string;
  runId: string;
  event: string;
  expiresAt: number;
}

export interface PauseIndex {
  /** Make a pause findable by its event name; idempotent by id. */
  addPause(pause: PauseRecord): Promise<void>;
  /** Unexpired pauses for an event name; may include stale ones, which callers remove. */
  pausesFor(eventName: string, now: number): Promise<PauseRecord[]>;
  removePause(eventName: string, pauseId: string): Promise<void>;
}

export interface EventLog {
  /** Keep an event for `ttlMs`; false when an event with that id is already kept (the first wins). */
  saveEvent(event: StepstackEvent, ttlMs: number): Promise<boolean>;
  getEvent(eventId: string): Promise<StepstackEvent | undefined>;
  /** Record that `runId` started from `eventId`; idempotent. */
  linkRun(eventId: string, runId: string, ttlMs: number): Promise<void>;
  /** Ids of the runs an event started, oldest first. */
  runsForEvent(eventId: string): Promise<string[]>;
}

export interface IdempotencyStore {
  /** Claim `key` for `value` during `ttlMs`; returns the value holding the key (`value` when first). */
  claimKey(key: string, value: string, ttlMs: number): Promise<string>;
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
