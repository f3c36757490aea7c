import type { EdgeAddress } from '../ports/run-store';

/** What a discovered step of an SDK run is, kept with its record (the store hands it back with the lease). */
export type SdkStepOp =
  /** Run by a call of the app with `stepId=hashed` (a planned `step.run`, `step.sendEvent`, a retry). */
  | { kind: 'run'; hashed: string; next: EdgeAddress; name?: string }
  /** Completes when its timer fires. */
  | { kind: 'sleep'; hashed: string; next: EdgeAddress }
  /** Completes with the awaited event, or null when its timeout passed. */
  | { kind: 'wait'; hashed: string; next: EdgeAddress }
  /** Completes with the invoked function's result or error, or a timeout error. */
  | { kind: 'invoke'; hashed: string; next: EdgeAddress; functionId: string };

export function isSdkStepOp(value: unknown): value is SdkStepOp {
  if (!value || typeof value !== 'object') return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'run' || kind === 'sleep' || kind === 'wait' || kind === 'invoke';
}
