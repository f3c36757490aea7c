import {
  ChangeMessageVisibilityCommand, DeleteMessageBatchCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand,
  type Message, type SQSClient,
} from '@aws-sdk/client-sqs';
import { PlatformError, ValidationError } from '../../core/errors';
import { systemClock, type Clock } from '../../core/ports/clock';
import type { Pingable, Queue, QueueMessage, ReceiveOptions, SendEntry } from '../../core/ports/queue';
import { encodeBody } from './body';
import { DUE_AT_ATTRIBUTE, planDelay, readDueAt, SQS_MAX_DELAY_MS } from './delay';
import { sendInBatches, SQS_MAX_MESSAGE_BYTES, type OutgoingMessage } from './send-batches';

export interface SqsQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /** Longest delay given to SQS; longer ones are re-enqueued until due. @default 900_000 (SQS's 15 min) */
  maxDelayMs?: number;
  /** Largest message, and batch, in bytes. @default 262_144 */
  maxMessageBytes?: number;
  /** Tries of a batch entry that SQS reports as failed. @default 4 */
  sendAttempts?: number;
  /** Backoff before retrying failed entries, doubled each time. @default 100 */
  retryBaseMs?: number;
  /** Decides whether a long-delayed message is due. @default systemClock */
  clock?: Clock;
}

/** SQS's limits on a receive. */
const MAX_RECEIVE_MESSAGES = 10;
const MAX_WAIT_SECONDS = 20;
const MAX_VISIBILITY_SECONDS = 43_200;

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));
const visibilitySeconds = (ms: number): number => clamp(Math.ceil(ms / 1000), 0, MAX_VISIBILITY_SECONDS);

/**
 * The queue port on SQS (standard queue). Delays over SQS's 15 minutes travel as the cap plus a `dueAt`
 * attribute; a receive that meets such a message before it is due sends it again and deletes it, so any
 * delay works. The client belongs to the caller: close() only ends pending receives.
 */
export function createSqsQueue<T>(options: SqsQueueOptions): Queue<T> & Pingable {
  const { client, queueUrl } = options;
  const queueName = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
  const maxDelayMs = options.maxDelayMs ?? SQS_MAX_DELAY_MS;
  const clock = options.clock ?? systemClock;
  const closing = new AbortController();
  const batchOptions = {
    client, queueUrl, queueName,
    maxBytes: options.maxMessageBytes ?? SQS_MAX_MESSAGE_BYTES, attempts: options.sendAttempts, retryBaseMs: options.retryBaseMs,
  };

  const fail = (action: string, error: unknown): never => {
    throw new PlatformError(`queue ${queueName}: ${action} failed: ${(error as Error).message}`, { cause: error });
  };

  /** Send not-yet-due messages again with what remains of their delay, then delete them: at-least-once. */
  const reenqueue = async (messages: Message[], now: number): Promise<void> => {
    const outgoing = messages.map((message, index): OutgoingMessage => {
      const dueAt = readDueAt(message.MessageAttributes)!;
      const plan = planDelay(dueAt - now, now, maxDelayMs);
      // Keep the original due time: planning from `now` again would round it.
      const attributes = { [DUE_AT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(dueAt) } };
      return { index, body: message.Body ?? '', delaySeconds: plan.delaySeconds, attributes };
    });
    await sendInBatches(outgoing, batchOptions);
    await client.send(new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
    }));
  };

  const toQueueMessage = (message: Message): QueueMessage<T> | undefined => {
    if (message.Body === undefined || message.ReceiptHandle === undefined) return undefined;
    try {
      return {
        body: JSON.parse(message.Body) as T,
        receipt: message.ReceiptHandle,
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
      };
    } catch {
      // Not ours (not JSON): left in flight, so the redrive policy moves it to the dead-letter queue.
      return undefined;
    }
  };

  /** Long-poll until a message is due, the deadline passes or `abort` fires. */
  const receiveUntil = async (deadline: number, max: number, visibilityMs: number, abort: AbortSignal): Promise<QueueMessage<T>[]> => {
    while (!abort.aborted) {
      let received: Message[];
      try {
        const output = await client.send(new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: clamp(Math.floor(max), 1, MAX_RECEIVE_MESSAGES),
          WaitTimeSeconds: clamp(Math.round((deadline - Date.now()) / 1000), 0, MAX_WAIT_SECONDS),
          VisibilityTimeout: visibilitySeconds(visibilityMs),
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          MessageAttributeNames: [DUE_AT_ATTRIBUTE],
        }), { abortSignal: abort });
        received = output.Messages ?? [];
      } catch (error) {
        if (abort.aborted) return [];
        return fail('ReceiveMessage', error);
      }
      const now = clock.now();
      const early = received.filter((message) => (readDueAt(message.MessageAttributes) ?? 0) > now);
      const due = received.filter((message) => !early.includes(message));
      const messages = due.map(toQueueMessage).filter((message) => message !== undefined);
      if (early.length > 0) {
        try {
          await reenqueue(early, now);
        } catch (error) {
          // They come back when their visibility ends; only fail the receive if it has nothing else to give.
          if (messages.length === 0) fail('re-enqueueing messages not yet due', error);
        }
      }
      // Only early messages came: wait on for what is left of the long poll.
      if (messages.length > 0 || early.length === 0 || deadline - Date.now() < 1000) return messages;
    }
    return [];
  };

  return {
    async send(entries: SendEntry<T>[]) {
      if (closing.signal.aborted) throw new PlatformError(`queue ${queueName} is closed`);
      const now = clock.now();
      const problems: string[] = [];
      const outgoing = entries.map((entry, index): OutgoingMessage => {
        const body = encodeBody(entry.body);
        if (body === undefined) problems.push(`queue ${queueName}: entries[${index}].body: not JSON`);
        const plan = planDelay(entry.delayMs ?? 0, now, maxDelayMs);
        return { index, body: body ?? '', delaySeconds: plan.delaySeconds, attributes: plan.attributes };
      });
      if (problems.length > 0) throw new ValidationError(problems);
      await sendInBatches(outgoing, batchOptions);
    },

    async receive({ max, waitMs, visibilityMs, signal }: ReceiveOptions) {
      // One controller per receive, fed by close() and the caller's signal, and detached afterwards
      // (AbortSignal.any would tie each receive to the queue's long-lived signal).
      const controller = new AbortController();
      const onAbort = (): void => controller.abort();
      const sources = [closing.signal, signal].filter((source) => source !== undefined);
      for (const source of sources) {
        if (source.aborted) return [];
        source.addEventListener('abort', onAbort, { once: true });
      }
      try {
        return await receiveUntil(Date.now() + waitMs, max, visibilityMs, controller.signal);
      } finally {
        for (const source of sources) source.removeEventListener('abort', onAbort);
      }
    },

    async ack(message) {
      await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.receipt }))
        .catch((error: unknown) => fail('DeleteMessage', error));
    },

    async setVisibility(message, ms) {
      await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.receipt, VisibilityTimeout: visibilitySeconds(ms) }))
        .catch((error: unknown) => fail('ChangeMessageVisibility', error));
    },

    async ping() {
      await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
        .catch((error: unknown) => fail('GetQueueAttributes', error));
    },

    async close() {
      closing.abort();
    },
  };
}
