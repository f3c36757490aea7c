import type { StreamMessage } from '../../core/events/stream';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createSqsQueue } from '../../adapters/sqs';
import { newId } from '../../core/ids';
import { systemClock } from '../../core/ports/clock';
import type { IntakeDeps } from '../../core/services/deps';
import { sqsClientFor } from '../aws/clients';
import type { Settings } from '../settings';

/** The Event API's one dependency, the event stream (no Redis, no VPC), and its health check. */
export interface StageIntake {
  intake: IntakeDeps;
  /** Throws when the event stream cannot be reached. */
  health(): Promise<void>;
  close(): Promise<void>;
}

export function stageIntake(settings: Settings): StageIntake {
  const client = sqsClientFor(settings);
  const stream = createSqsQueue<StreamMessage>({ client, queueUrl: settings.EVENT_STREAM_URL });
  return {
    intake: { stream, clock: systemClock, newId },
    health: async () => {
      await client.send(new GetQueueAttributesCommand({ QueueUrl: settings.EVENT_STREAM_URL, AttributeNames: ['QueueArn'] }));
    },
    async close() {
      await stream.close();
      client.destroy();
    },
  };
}
