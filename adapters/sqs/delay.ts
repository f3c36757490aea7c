import type { MessageAttributeValue } from '@aws-sdk/client-sqs';

/** SQS delays a message at most 15 minutes. */
export const SQS_MAX_DELAY_MS = 900_000;
/** The message attribute that carries when a message longer-delayed than SQS allows is due (ms since epoch). */
export const DUE_AT_ATTRIBUTE = 'dueAt';

export interface DelayPlan {
  delaySeconds: number;
  attributes: Record<string, MessageAttributeValue>;
}

/**
 * How to hold a message back `delayMs`: SQS's own delay up to the cap (rounded up to whole seconds, so it is
 * never early); beyond it, the cap plus a `dueAt` attribute, and receive re-enqueues the message until due.
 */
export function planDelay(delayMs: number, now: number, maxDelayMs: number): DelayPlan {
  if (delayMs <= maxDelayMs) return { delaySeconds: Math.ceil(Math.max(0, delayMs) / 1000), attributes: {} };
  return {
    delaySeconds: Math.floor(maxDelayMs / 1000),
    attributes: { [DUE_AT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(Math.ceil(now + delayMs)) } },
  };
}

/** When a received message is due (ms), or undefined for a message sent with SQS's own delay only. */
export function readDueAt(attributes: Record<string, MessageAttributeValue> | undefined): number | undefined {
  const value = attributes?.[DUE_AT_ATTRIBUTE]?.StringValue;
  return value === undefined ? undefined : Number(value);
}
