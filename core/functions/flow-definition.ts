/**
 * Flow control of a function (SPEC section 3), as its author writes it: keys and expressions are CEL
 * over `event`, durations stay as written. The compiled form is core/flow/compiled-flow.ts.
 */
export interface FlowControl {
  /** At most two entries; a step starts only when it fits every one. A number is `[{ limit }]`. */
  concurrency?: number | ConcurrencyLimit | ConcurrencyLimit[];
  throttle?: Throttle;
  rateLimit?: RateLimit;
  debounce?: Debounce;
  batchEvents?: BatchEvents;
  priority?: Priority;
  /** CEL: at most one run per function and value in 24 h. */
  idempotency?: string;
  singleton?: Singleton;
  timeouts?: Timeouts;
}

export interface ConcurrencyLimit {
  limit: number;
  key?: string;
  /** `env`: one count shared by every function whose key evaluates to the same value. @default fn */
  scope?: 'fn' | 'env';
}

export interface Throttle {
  limit: number;
  period: string;
  /** Starts allowed at once from idle beyond the first. @default 0 */
  burst?: number;
  key?: string;
}

export interface RateLimit {
  limit: number;
  period: string;
  key?: string;
}

export interface Debounce {
  period: string;
  key?: string;
  /** The longest delay since the first event of the window. */
  timeout?: string;
}

export interface BatchEvents {
  maxSize: number;
  timeout: string;
  key?: string;
}

export interface Priority {
  /** CEL: seconds ahead (positive) or behind in line, -600..600. */
  run: string;
}

export interface Singleton {
  key?: string;
  mode: 'skip' | 'cancel';
}

export interface Timeouts {
  /** From the event to the first step starting. */
  start?: string;
  /** From the first step starting to the run ending. */
  finish?: string;
}

/** The top-level fields of a function that are flow control. */
export const FLOW_FIELDS = ['concurrency', 'throttle', 'rateLimit', 'debounce', 'batchEvents', 'priority', 'idempotency', 'singleton', 'timeouts'] as const;
