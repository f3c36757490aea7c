import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PlatformError } from '../../core/errors';

export interface EnsureQueueOptions {
  /** Redrive to this queue (created when missing) after `maxReceiveCount` receives. */
  deadLetter?: { name: string; maxReceiveCount: number };
  /** Visibility of a received message when a receive names none. @default SQS's 30 */
  visibilityTimeoutSeconds?: number;
}

/** The URL of queue `name`: the existing one as it is, else a new one (with its dead-letter queue and redrive policy). */
export async function ensureQueue(client: SQSClient, name: string, options: EnsureQueueOptions = {}): Promise<string> {
  const existing = await findQueueUrl(client, name);
  if (existing !== undefined) return existing;
  const attributes: Record<string, string> = {};
  if (options.visibilityTimeoutSeconds !== undefined) attributes.VisibilityTimeout = String(options.visibilityTimeoutSeconds);
  if (options.deadLetter !== undefined) {
    const deadLetterUrl = await ensureQueue(client, options.deadLetter.name);
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }));
    if (Attributes?.QueueArn === undefined) throw new PlatformError(`queue ${options.deadLetter.name}: SQS returned no QueueArn`);
    attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: Attributes.QueueArn, maxReceiveCount: options.deadLetter.maxReceiveCount });
  }
  // CreateQueue is idempotent for equal attributes, so two processes racing here both succeed.
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (QueueUrl === undefined) throw new PlatformError(`queue ${name}: SQS returned no QueueUrl`);
  return QueueUrl;
}

async function findQueueUrl(client: SQSClient, name: string): Promise<string | undefined> {
  try {
    return (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    const code = (error as { name?: string }).name;
    if (code === 'QueueDoesNotExist' || code === 'AWS.SimpleQueueService.NonExistentQueue') return undefined;
    throw error;
  }
}
