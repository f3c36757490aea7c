import { type StreamMessage, eventOf } from '../core/events/stream';
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { SQSEvent } from 'aws-lambda';
import type { Logger } from '../core/ports/logger';
import { keepDeadEvent } from '../core/services/dead-events';
import { type EngineHandlerDeps, closeEngineDeps, engineHandlerDeps, logger } from './deps';
import { releaseWhenLocal } from './local-release';
import { secretsFromNames } from './secrets';
import { decodeRecord, settleEach } from './sqs-records';

/**
 * The event stream DLQ's consumer: each dead event is kept in the state, listed by
 * `GET /v1/events?dead=true` and sent again by `POST /v1/events/{id}/resend` (SPEC section 5). A record
 * that cannot be kept (Redis down) stays in the DLQ for a later delivery.
 */
export function makeHandler(deps: () => EngineHandlerDeps) {
  return async (event: SQSEvent): Promise<PromiseSettledResult<void>[]> => {
    const { engine } = deps();
    return settleEach(event.Records, async (record) => {
      const { body, receiveCount } = decodeRecord<StreamMessage>(record);
      await keepDeadEvent(engine, eventOf(body), receiveCount);
    });
  };
}

/** The middleware every SQS handler gets: settled results become `batchItemFailures`, naming only the failed records. */
export const withMiddleware = (inner: ReturnType<typeof makeHandler>, log: Logger = logger) => middy(inner).use(sqsPartialBatchFailure({
  logger: (reason: unknown, record: { messageId?: string }) => log.error('dead event not kept, left for retry', { messageId: record.messageId, error: String(reason) }),
}));

export const handler = withMiddleware(makeHandler(engineHandlerDeps)).use(secretsFromNames()).use(releaseWhenLocal(closeEngineDeps));
