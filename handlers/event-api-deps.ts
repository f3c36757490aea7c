import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createSqsClient, createSqsQueue } from '../adapters/sqs';
import { DEFAULT_MAX_BODY_BYTES, type EventApiConfig } from '../api/event-api';
import type { StepstackEvent } from '../core/events/event';
import { newId } from '../core/ids';
import { systemClock } from '../core/ports/clock';
import type { Logger } from '../core/ports/logger';
import type { IntakeDeps } from '../core/services/deps';
import { lazy } from './lazy';
import { jsonLogger } from './logger';
import { readSettings } from './settings';

/** What the Event API function needs: the event stream only (no Redis, no VPC): its bundle stays small. */
export interface EventApiDeps {
  intake: IntakeDeps;
  logger: Logger;
  config: EventApiConfig;
  /** Throws when the event stream cannot be reached. */
  health(): Promise<void>;
}

const logger = jsonLogger({ service: 'stepstack', stage: process.env.STEPSTACK_STAGE });

/** The Event API's adapters, built from the environment on first use (never at import time). */
export const eventApiDeps = lazy((): EventApiDeps => {
  const settings = readSettings(process.env, ['eventStreamUrl']);
  const client = createSqsClient({ region: settings.region, ...(settings.sqsEndpoint ? { endpoint: settings.sqsEndpoint } : {}) });
  const stream = createSqsQueue<StepstackEvent>({ client, queueUrl: settings.eventStreamUrl });
  return {
    intake: { stream, clock: systemClock, newId },
    logger,
    config: { eventKeys: settings.eventKeys, maxBodyBytes: DEFAULT_MAX_BODY_BYTES },
    health: async () => {
      await client.send(new GetQueueAttributesCommand({ QueueUrl: settings.eventStreamUrl, AttributeNames: ['QueueArn'] }));
    },
  };
});
