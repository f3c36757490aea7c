import { type StreamMessage, eventOf } from '../core/events/stream';
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { SQSEvent } from 'aws-lambda';
import { handleEvent } from '../core/services/runner';
import type { Logger } from '../core/ports/logger';
import { type EngineHandlerDeps, closeEngineDeps, engineHandlerDeps, logger } from './deps';
import { eventIds } from '../platform/logging/correlation';
import { releaseWhenLocal } from './local-release';
import { secretsFromNames } from './secrets';
import { decodeRecord, recordIds, settleEach } from './sqs-records';

/** The event stream's consumer: each record is one accepted event; a failed record alone is retried by SQS. */
export function makeHandler(deps: () => EngineHandlerDeps) {
  return async (event: SQSEvent): Promise<PromiseSettledResult<void>[]> => {
    const { runner } = deps();
    return settleEach(event.Records, async (record) => {
      const { body, receiveCount } = decodeRecord<StreamMessage>(record);
      await handleEvent(runner, eventOf(body), { redelivered: receiveCount > 1 });
    });
  };
}

/** The middleware every SQS handler gets: settled results become `batchItemFailures`, naming only the failed records. */
export const withMiddleware = (inner: ReturnType<typeof makeHandler>, log: Logger = logger) => middy(inner).use(sqsPartialBatchFailure({
  logger: (reason: unknown, record: { messageId?: string; body?: string }) => log.error('event record failed, left for retry', { ...recordIds(record, eventIds), error: String(reason) }),
}));

export const handler = withMiddleware(makeHandler(engineHandlerDeps)).use(secretsFromNames()).use(releaseWhenLocal(closeEngineDeps));
