import type { StepstackEvent } from '../events/event';

/**
 * Calls an app written with the Inngest SDK (SPEC section 4): one call runs the function's code
 * until it reports what it found (opcodes), finishes, or fails. The SDK's wire protocol is the
 * contract; the core never sees HTTP.
 */
export interface SdkDriver {
  /** Call the function once; resolves with how the call ended, throws on a fault of the platform (an abort). */
  call(request: SdkCallRequest): Promise<SdkAnswer>;
  /** Ask the app at `url` for its configuration (an in-band sync), or to register itself out of band. */
  sync(url: string, options: { signal?: AbortSignal; stackUrl?: string }): Promise<SdkSyncAnswer>;
}

export interface SdkCallRequest {
  /** The function's step URL as the app registered it (it carries `fnId`). */
  url: string;
  /** The hashed id of the step to run; null to run the function until it finds new steps. */
  stepId: string | null;
  body: SdkRequestBody;
  timeoutMs: number;
  /** Aborted when the executor drains or the run is cancelled. */
  signal: AbortSignal;
}

/** The body every call carries (the SDK's `parseFnData`). */
export interface SdkRequestBody {
  event: StepstackEvent;
  events: StepstackEvent[];
  /** What each step the run has settled came to, by hashed step id. */
  steps: Record<string, SdkMemo>;
  ctx: {
    run_id: string;
    /** The attempt of this call's step, from 0. */
    attempt: number;
    /** Retries + 1: the SDK answers StepFailed instead of StepError at the last one. */
    max_attempts: number;
    /** Hashed ids of the settled steps, in the order they settled. */
    stack: { stack: string[]; current: number };
  };
}

/** A settled step as the SDK reads it back. */
export type SdkMemo = { type: 'data'; data: unknown } | { type: 'error'; error: SdkError };

/** An error as the SDK serialises it. */
export interface SdkError {
  name: string;
  message: string;
  stack?: string;
  [key: string]: unknown;
}

/** One opcode of a 206 answer. */
export interface SdkOp {
  op: string;
  /** The hashed step id. */
  id: string;
  /** The step id the code used, with its index when repeated (`charge`, index 1 is `charge:1`). */
  userland?: { id: string; index?: number };
  name?: string;
  displayName?: string;
  opts?: Record<string, unknown>;
  data?: unknown;
  error?: unknown;
}

export type SdkAnswer =
  /** 200: the function returned `data`. */
  | { kind: 'result'; data: unknown }
  /** 206: what the call found or ran. `noRetry` and `retryAfterMs` come from the answer's headers. */
  | { kind: 'ops'; ops: SdkOp[]; noRetry: boolean; retryAfterAt?: number }
  /** The call failed: the function threw, the app answered an error, or no SDK answered. */
  | { kind: 'error'; error: SdkError; retryable: boolean; retryAfterAt?: number };

export type SdkSyncAnswer =
  /** The app answered with its configuration. */
  | { kind: 'in_band'; config: unknown }
  /** The app registered itself (it called `POST /fn/register`), answering this. */
  | { kind: 'out_of_band'; status: number; message: string }
  | { kind: 'failed'; error: string };
