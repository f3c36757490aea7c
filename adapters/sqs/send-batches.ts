import { SendMessageBatchCommand, type MessageAttributeValue, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { PlatformError, ValidationError } from '../../core/errors';
import { QueueSendError, type FailedEntry } from './errors';

/** SQS's limits for one SendMessageBatch call. */
export const SQS_MAX_BATCH_ENTRIES = 10;
export const SQS_MAX_MESSAGE_BYTES = 262_144;

/** A message ready for SendMessageBatch; its `Id` is its index in the caller's entries. */
export interface OutgoingMessage {
  index: number;
  body: string;
  delaySeconds: number;
  attributes: Record<string, MessageAttributeValue>;
}

export interface BatchSendOptions {
  client: SQSClient;
  queueUrl: string;
  /** Named in errors. */
  queueName: string;
  /** Largest message, and largest batch, in bytes. @default 262_144 */
  maxBytes?: number;
  /** Tries of an entry a batch reports as failed (not its sender's fault). @default 4 */
  attempts?: number;
  /** Backoff before the first retry, doubled after each. @default 100 */
  retryBaseMs?: number;
}

/** Bytes SQS counts against its limits: the body plus each attribute's name, type and value. */
export function messageBytes(message: OutgoingMessage): number {
  let bytes = Buffer.byteLength(message.body);
  for (const [name, value] of Object.entries(message.attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

/**
 * Send messages in batches of at most 10 entries and `maxBytes`, retrying the entries SQS reports as failed.
 * Checks every size before sending anything; throws a QueueSendError naming the entries that kept failing.
 */
export async function sendInBatches(messages: OutgoingMessage[], options: BatchSendOptions): Promise<void> {
  const maxBytes = options.maxBytes ?? SQS_MAX_MESSAGE_BYTES;
  const sized = messages.map((message) => ({ message, bytes: messageBytes(message) }));
  const tooLarge = sized.filter(({ bytes }) => bytes > maxBytes);
  if (tooLarge.length > 0) {
    throw new ValidationError(tooLarge.map(({ message, bytes }) =>
      `queue ${options.queueName}: entries[${message.index}]: ${bytes} bytes is over SQS's message size limit of ${maxBytes} bytes`));
  }
  const batches: OutgoingMessage[][] = [];
  let batch: OutgoingMessage[] = [];
  let batchBytes = 0;
  for (const { message, bytes } of sized) {
    if (batch.length === SQS_MAX_BATCH_ENTRIES || batchBytes + bytes > maxBytes) {
      batches.push(batch);
      batch = [];
      batchBytes = 0;
    }
    batch.push(message);
    batchBytes += bytes;
  }
  if (batch.length > 0) batches.push(batch);

  const outcomes = await Promise.allSettled(batches.map((each) => sendBatch(each, options)));
  const failed: FailedEntry[] = [];
  for (const [position, outcome] of outcomes.entries()) {
    if (outcome.status === 'fulfilled') failed.push(...outcome.value);
    else {
      const reason = outcome.reason instanceof Error ? outcome.reason : new Error(String(outcome.reason));
      failed.push(...batches[position]!.map((message) => ({ index: message.index, code: reason.name, message: reason.message })));
    }
  }
  if (failed.length > 0) throw new QueueSendError(options.queueName, failed.sort((a, b) => a.index - b.index), messages.length);
}

/** One batch, with its failed entries retried: what still failed at the end. */
async function sendBatch(batch: OutgoingMessage[], options: BatchSendOptions): Promise<FailedEntry[]> {
  const attempts = options.attempts ?? 4;
  const retryBaseMs = options.retryBaseMs ?? 100;
  const byId = new Map(batch.map((message) => [String(message.index), message]));
  const final: FailedEntry[] = [];
  let pending = batch;
  for (let attempt = 1; pending.length > 0; attempt += 1) {
    const output = await options.client.send(new SendMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: pending.map(toEntry) }))
      .catch((error: unknown) => {
        throw new PlatformError(`queue ${options.queueName}: SendMessageBatch failed`, { cause: error });
      });
    const retry: OutgoingMessage[] = [];
    for (const failure of output.Failed ?? []) {
      const message = byId.get(failure.Id ?? '');
      if (message === undefined) continue;
      const entry = { index: message.index, code: failure.Code ?? 'Unknown', message: failure.Message ?? '' };
      // A sender's fault (a malformed entry) fails the same way again: only the others are retried.
      if (failure.SenderFault || attempt >= attempts) final.push(entry);
      else retry.push(message);
    }
    pending = retry;
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, retryBaseMs * 2 ** (attempt - 1)));
  }
  return final;
}

function toEntry(message: OutgoingMessage): SendMessageBatchRequestEntry {
  return {
    Id: String(message.index),
    MessageBody: message.body,
    DelaySeconds: message.delaySeconds,
    MessageAttributes: Object.keys(message.attributes).length > 0 ? message.attributes : undefined,
  };
}
