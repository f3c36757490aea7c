import type { SQSRecord } from 'aws-lambda';

/** One SQS record as the engine needs it: its decoded body and how often it was delivered. */
export interface DecodedRecord<T> {
  body: T;
  receiveCount: number;
}

/** Decode a record written by the SQS queue adapter (a JSON body). Throws on a body that is not JSON, which fails only that record. */
export function decodeRecord<T>(record: SQSRecord): DecodedRecord<T> {
  return { body: JSON.parse(record.body) as T, receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1 };
}

/**
 * Handle every record of a batch independently; the settled results, in record order, are what
 * `@middy/sqs-partial-batch-failure` turns into `batchItemFailures`: one bad record never fails the batch.
 */
export function settleEach<T>(records: SQSRecord[], handle: (record: SQSRecord) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(records.map((record) => handle(record)));
}

/** The correlation ids of a failed record for its log line: the message id, and the ids its body names (when it is JSON). */
export function recordIds(record: { messageId?: string; body?: string }, idsOf: (body: never) => Record<string, unknown>): Record<string, unknown> {
  try {
    return { messageId: record.messageId, ...idsOf(JSON.parse(record.body ?? '') as never) };
  } catch {
    return { messageId: record.messageId };
  }
}
