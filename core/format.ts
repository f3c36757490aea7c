import { StepstackError } from './errors';

/**
 * A stored or queued document of a format this code does not know (written by a newer or older
 * release). Never retried into a failed run: the document is left where it is (SPEC section 5).
 */
export class FormatError extends StepstackError {
  constructor(readonly kind: string, readonly found: unknown, readonly expected: number) {
    super(`${kind} has format version ${JSON.stringify(found ?? null)}, this release reads version ${expected}: left in place; run a release that reads it`);
  }
}

/** Throws a FormatError unless `found` is `expected`. */
export function checkFormat(kind: string, found: unknown, expected: number): void {
  if (found !== expected) throw new FormatError(kind, found, expected);
}
