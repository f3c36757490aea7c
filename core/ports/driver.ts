import type { StepstackEvent } from '../events/event';
import type { Runtime } from '../functions/definition';
import type { JsonObjectWriter } from '../run/json-object-writer';

/** What every driver hands a step (SPEC section 4). */
export interface StepInput {
  event: StepstackEvent;
  /** The run's events: the trigger alone, or the whole batch (the executor always sets it). */
  events?: StepstackEvent[];
  /** Outputs of the steps this one depends on (its ancestors), by step id. */
  steps: Record<string, unknown>;
  async: StepstackEvent | null;
  ctx: { fn_id: string; step_id: string; run_id: string; attempt: number };
}

export interface StepRequest {
  input: StepInput;
  /**
   * `input.steps` as JSON, when the executor has it already (it extends it step by step along a
   * chain): pass it to stepInputBody or stepInputJson (core/run/step-input-json.ts).
   */
  stepsJson?: JsonObjectWriter;
  runtime: Runtime;
  /** The step's timeout, defaults applied. */
  timeoutMs: number;
  /** Aborted when the executor drains or the run is cancelled. */
  signal: AbortSignal;
}

/** How the user's step ended. Faults of the platform are thrown instead (as `PlatformError`). */
export type StepOutcome =
  | { kind: 'success'; output: unknown }
  | { kind: 'failure'; error: string; retryable: boolean; output?: unknown };

/** Runs one attempt of a step for one kind of runtime. */
export interface Driver {
  readonly type: Runtime['type'];
  /** Run the step once; resolve with the step's outcome, throw on a fault of the platform. */
  run(request: StepRequest): Promise<StepOutcome>;
}
