import type { StepstackEvent } from '../events/event';
import type { FunctionDefinition } from '../functions/definition';
import type { AttemptError, EdgeStatus, RunStatus, StepStatus } from '../run/run';

/**
 * Runs, kept step by step (docs/decisions/003): a change writes only the records it touches, and the
 * store itself releases a step when its last unresolved edge resolves, so that siblings finishing
 * together never conflict and a fan-in step is released exactly once. Every method is one atomic
 * operation on one run (one Redis slot).
 */
export interface RunStore {
  /** Create the run and apply its first edges; `exists` (changing nothing) when the id is taken. */
  createRun(run: NewRun): Promise<CommitResult | { outcome: 'exists' }>;
  /** Everything known of a run, for views and recovery; undefined when absent or expired. */
  loadRun(runId: string): Promise<StoredRun | undefined>;
  /**
   * Lease an open attempt of a step to `owner` until `now + leaseMs` and read what the step needs, in
   * one operation. `closed` when the run ended or that attempt is no longer the scheduled one; `busy`
   * while another owner's lease is live.
   */
  leaseStep(lease: LeaseRequest): Promise<LeaseResult>;
  /** Extend a lease `owner` holds; `lost` when it holds it no more, `ended` when its attempt closed (the run was cancelled). */
  renewLease(lease: LeaseRequest): Promise<'renewed' | 'lost' | 'ended'>;
  /** Drop a lease `owner` holds (a no-op otherwise). */
  releaseLease(runId: string, stepId: string, owner: string): Promise<void>;
  /** Outputs of some steps of a run (absent ones are left out). */
  readOutputs(runId: string, stepIds: string[]): Promise<Record<string, unknown>>;
  /** Settle an attempt of a step (its guard: that attempt is still the scheduled one of a running run). */
  commitAttempt(commit: AttemptCommit): Promise<CommitResult>;
  /** A timer of the run came due: apply the plan it was armed with; `stale` when it was spent or cancelled. */
  fireTimer(change: TimerFire): Promise<CommitResult>;
  /** An event matched a pause of the run: apply the pause's plan; `stale` when the pause is gone. */
  resumePause(change: PauseResume): Promise<CommitResult>;
  /** End a running run as Failed or Cancelled; `stale` when it already ended. */
  endRun(change: RunEnd): Promise<CommitResult>;
}

/** The format of stored runs; a store refuses to read another (SPEC section 5). */
export const RUN_FORMAT = 2;

export interface NewRun {
  id: string;
  functionId: string;
  functionHash: string;
  definition: FunctionDefinition;
  event: StepstackEvent;
  now: number;
  /** Every step of the graph with the number of its `after` edges and the edges that leave it. */
  topology: StepTopology[];
  /** What the run's start resolves: the edges that leave `$trigger`, the waits and pauses it arms. */
  changes: GraphChanges;
  /** The run this one reruns. */
  rerunOf?: string;
}

export interface StepTopology {
  id: string;
  /** How many `after` edges the step has. */
  edges: number;
  /** The edges that leave this step (followed when it is skipped). */
  children: EdgeAddress[];
}

/** One `after` entry of a step. */
export interface EdgeAddress {
  step: string;
  edge: number;
}

/** Edge resolutions and waits a change applies; the store releases or skips the steps they complete. */
export interface GraphChanges {
  edges: EdgeUpdate[];
  timers: TimerPlan[];
  pauses: PausePlan[];
}

export interface EdgeUpdate extends EdgeAddress {
  to: 'fired' | 'never' | 'waiting';
  /** The awaited event that fired an async edge: the step's `async` input. */
  async?: StepstackEvent;
}

/** A point in time the run waits for, and the edge resolution it applies then. */
export interface TimerPlan {
  id: string;
  dueAt: number;
  resolve: EdgeUpdate;
  /** The pause this timer ends (an async edge's ttl). */
  endsPause?: string;
}

/** An event the run waits for: an async edge's, or a cancel rule's. */
export interface PausePlan {
  id: string;
  kind: 'async' | 'cancel';
  /** The awaited event's name. */
  event: string;
  expiresAt: number;
  /** For async pauses: the edge the event fires, and the timer of its ttl. */
  edge?: EdgeAddress;
  ttlTimer?: string;
}

/** A step's success: its output, and that output's JSON when the caller made it already (once per step, not once per reader). */
export interface CompletedResult {
  kind: 'completed';
  output: unknown;
  /** Exactly `jsonOf(output)` (core/run/step-input-json.ts). */
  json?: string;
}

export interface AttemptCommit {
  runId: string;
  stepId: string;
  /** The attempt that ran (the guard). */
  attempt: number;
  now: number;
  /** How the attempt ended. `retry` schedules `attempt + 1` at `retryAt`. */
  result: CompletedResult | { kind: 'retry'; retryAt: number } | { kind: 'failed'; reason: string };
  /** The step's attempt history after this attempt. */
  attempts: number;
  errors: AttemptError[];
  /** What the completion resolves (the edges that leave the step). */
  changes?: GraphChanges;
  /**
   * Steps the attempt found while it ran (an Inngest SDK call, docs/decisions/003 "What follows"),
   * added when it completes and before `changes` apply, so that those may resolve their edges.
   */
  discovered?: DiscoveredStep[];
  /** Drop this lease if its owner still holds it. */
  release?: { owner: string };
  /** Lease one step this commit schedules and that is due by `now` to this owner (it runs it next). */
  leaseNext?: { owner: string; until: number };
  /**
   * The most bytes of outputs (as JSON) the run may hold: a completion that would pass it fails the
   * step for good, naming the cap, and the run with it. @default no cap
   */
  outputCap?: number;
}

/** A step record a commit adds to its run (ids the run has already are left alone). */
export interface DiscoveredStep {
  id: string;
  /** How many `after` edges it has: 0 schedules it at once, unless it is `completed` already. */
  edges: number;
  /** The edges that leave it. */
  children: EdgeAddress[];
  /** It completed inside the attempt that found it, with this output. */
  completed?: { output: unknown };
  /** Scheduled at a later attempt than 0 (the attempt that found it made the first try): due at `dueAt`, with that history. */
  retry?: { attempt: number; dueAt: number; errors: AttemptError[] };
  /** What the executor needs to run it; kept as it is and handed back with its lease. */
  op?: unknown;
}

export interface TimerFire {
  runId: string;
  timerId: string;
  now: number;
}

export interface PauseResume {
  runId: string;
  pauseId: string;
  event: StepstackEvent;
  now: number;
}

export interface RunEnd {
  runId: string;
  status: 'Failed' | 'Cancelled';
  reason: string;
  now: number;
}

export type CommitResult =
  | {
    outcome: 'committed';
    /** The run's status after the change. */
    status: RunStatus;
    /** Steps the change scheduled (to be enqueued), the leased one excepted. */
    scheduled: ScheduledStep[];
    /** The step leased to `leaseNext.owner`, with its `async` input (and its `op`, for a discovered step). */
    leased?: ScheduledStep & { async: StepstackEvent | null; op?: unknown };
    /** Pauses the run stopped waiting on (resumed, timed out, or dropped as the run ended): to leave the index. */
    droppedPauses: PausePlan[];
    /** How many step outputs the run holds after the change (tells a caller whether it has them all). */
    outputCount: number;
  }
  | { outcome: 'stale' }
  | { outcome: 'missing' };

export interface ScheduledStep {
  stepId: string;
  attempt: number;
  dueAt: number;
}

export interface LeaseRequest {
  runId: string;
  stepId: string;
  /** The attempt the work item is for. */
  attempt: number;
  owner: string;
  leaseMs: number;
  now: number;
  /** Whose outputs to return (the step's ancestors). */
  inputs?: string[];
  /** The caller has the run's function compiled (work items carry its hash): leave the definition out (it grows with the graph). */
  withoutDefinition?: boolean;
}

export type LeaseResult =
  | { status: 'leased'; step: LeasedStepContext }
  | { status: 'busy'; until: number }
  | { status: 'closed' }
  | { status: 'missing' };

/** What a leased step needs to run: its run's identity, the trigger event, its inputs. */
export interface LeasedStepContext {
  run: RunMeta;
  event: StepstackEvent;
  /** Parsed on first read: the engine compiles a definition once per hash. Absent when the request said `withoutDefinition`. */
  readonly definition?: FunctionDefinition;
  /** Outputs of the steps asked for. */
  outputs: Record<string, unknown>;
  async: StepstackEvent | null;
  /** The step's attempts so far (for its error history). */
  history: { attempts: number; errors: AttemptError[] };
  /** The `op` a discovered step was added with. */
  op?: unknown;
}

/** A run's own fields. */
export interface RunMeta {
  id: string;
  functionId: string;
  functionHash: string;
  eventId: string;
  status: RunStatus;
  startedAt: number;
  endedAt?: number;
  reason?: string;
  rerunOf?: string;
}

/** A step as the store keeps it. */
export interface StoredStep {
  status: StepStatus;
  /** The attempt that is scheduled or running, 0 for the first try. */
  attempt: number;
  /** How many attempts ran to an outcome. */
  attempts: number;
  errors: AttemptError[];
  edges: EdgeStatus[];
  async: StepstackEvent | null;
  dueAt?: number;
  endedAt?: number;
  /** The `op` a discovered step was added with. */
  op?: unknown;
}

/** Everything known of a run. */
export interface StoredRun extends RunMeta {
  event: StepstackEvent;
  readonly definition: FunctionDefinition;
  steps: Record<string, StoredStep>;
  outputs: Record<string, unknown>;
  timers: TimerPlan[];
  pauses: PausePlan[];
  /** Live leases: step id to the time (ms) the lease ends. */
  leases: Record<string, number>;
}
