import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { SQSEvent } from 'aws-lambda';
import type { WorkItem } from '../core/run/work-item';
import { handleDeadWorkItem } from '../core/services/dead-letters';
import type { Logger } from '../core/ports/logger';
import { type EngineHandlerDeps, closeEngineDeps, engineHandlerDeps, logger } from './deps';
import { workItemIds } from '../platform/logging/correlation';
import { releaseWhenLocal } from './local-release';
import { secretsFromNames } from './secrets';
import { decodeRecord, recordIds, settleEach } from './sqs-records';

/** The step DLQ's consumer: the run of each dead work item is marked Failed with the reason (SPEC section 5). */
export function makeHandler(deps: () => EngineHandlerDeps) {
  return async (event: SQSEvent): Promise<PromiseSettledResult<void>[]> => {
    const { engine } = deps();
    return settleEach(event.Records, async (record) => {
      const { body, receiveCount } = decodeRecord<WorkItem>(record);
      await handleDeadWorkItem(engine, body, receiveCount);
    });
  };
}

/** The middleware every SQS handler gets: settled results become `batchItemFailures`, naming only the failed records. */
export const withMiddleware = (inner: ReturnType<typeof makeHandler>, log: Logger = logger) => middy(inner).use(sqsPartialBatchFailure({
  logger: (reason: unknown, record: { messageId?: string; body?: string }) => log.error('dead work item failed, left for retry', { ...recordIds(record, workItemIds), error: String(reason) }),
}));

export const handler = withMiddleware(makeHandler(engineHandlerDeps)).use(secretsFromNames()).use(releaseWhenLocal(closeEngineDeps));
