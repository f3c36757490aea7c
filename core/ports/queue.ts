/**
 * A queue with delays and visibility timeouts: the event stream and the step queue (SQS on AWS,
 * in memory locally). Delivery is at-least-once; a received message stays invisible to other
 * consumers until its visibility runs out, then comes back unless acknowledged. A message received
 * more times than the queue's limit moves to its dead-letter queue.
 */
export interface Queue<T> {
  /** Accept every entry durably, or throw having accepted none of the failed ones. A delay may be of any length. */
  send(entries: SendEntry<T>[]): Promise<void>;
  /** Wait up to `waitMs` for up to `max` visible messages; each then stays invisible for `visibilityMs`. */
  receive(options: ReceiveOptions): Promise<QueueMessage<T>[]>;
  /** Delete a message that was processed. */
  ack(message: QueueMessage<T>): Promise<void>;
  /** Hide a received message for `ms` from now: to extend work in progress, or to retry it later (0: now). */
  setVisibility(message: QueueMessage<T>, ms: number): Promise<void>;
  /** Release connections and wake up pending receives. */
  close(): Promise<void>;
}

/** An optional capability: a queue that can tell whether it is reachable (detected at run time). */
export interface Pingable {
  /** Throws when the queue cannot be reached. */
  ping(): Promise<void>;
}

export function isPingable(value: unknown): value is Pingable {
  return typeof (value as Partial<Pingable>)?.ping === 'function';
}

export interface SendEntry<T> {
  body: T;
  /** Not delivered before this many ms from now. @default 0 */
  delayMs?: number;
}

export interface ReceiveOptions {
  /** At most this many messages. */
  max: number;
  /** How long to wait for a first message (long poll). */
  waitMs: number;
  visibilityMs: number;
  /** Aborting ends the wait early with what was received. */
  signal?: AbortSignal;
}

export interface QueueMessage<T> {
  body: T;
  /** Opaque handle for `ack` and `setVisibility`. */
  receipt: string;
  /** Deliveries so far, this one included. */
  receiveCount: number;
}
