/** Base of every Stepstack error: sets `name` and keeps the `cause` chain. */
export class StepstackError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input from a user (an event, a function file, an API call): never retried. */
export class ValidationError extends StepstackError {
  /** Each problem as `path: message`, e.g. `events[2].name: required`. */
  constructor(readonly problems: string[], options?: { cause?: unknown }) {
    super(problems.join('; '), options);
  }
}

/** A failure that retrying cannot fix. */
export class PermanentError extends StepstackError {}

/** A fault of the platform (a store, a queue, a daemon), not of the user's step. */
export class PlatformError extends StepstackError {}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Input over a size limit (an event, a request body): answered 413, never retried. */
export class PayloadTooLargeError extends StepstackError {
  /** `field` names the part at fault, e.g. `events[2]`; sizes are in bytes. */
  constructor(readonly field: string, readonly limit: number, readonly size: number) {
    super(`${field}: ${size} bytes is over the limit of ${limit} bytes`);
  }
}
