import { PlatformError } from '../../core/errors';

/** One entry of a send that SQS did not accept. */
export interface FailedEntry {
  /** Position in the `send` call's entries. */
  index: number;
  code: string;
  message: string;
}

/** Some entries of a send were not accepted, after retries: the others were. */
export class QueueSendError extends PlatformError {
  constructor(readonly queue: string, readonly failed: FailedEntry[], total: number) {
    const listed = failed.map((entry) => `entries[${entry.index}] (${entry.code}: ${entry.message})`).join(', ');
    super(`queue ${queue}: ${failed.length} of ${total} entries not accepted: ${listed}`);
  }
}
