import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { SQSEvent } from 'aws-lambda';
import type { StepstackEvent } from '../core/events/event';
import { handleEvent } from '../core/services/runner';
import { type EngineHandlerDeps, engineHandlerDeps, logger } from './deps';
import { decodeRecord, settleEach } from './sqs-records';

/** The event stream's consumer: each record is one accepted event; a failed record alone is retried by SQS. */
export function makeHandler(deps: () => EngineHandlerDeps) {
  return async (event: SQSEvent): Promise<PromiseSettledResult<void>[]> => {
    const { runner } = deps();
    return settleEach(event.Records, async (record) => {
      const { body, receiveCount } = decodeRecord<StepstackEvent>(record);
      await handleEvent(runner, body, { redelivered: receiveCount > 1 });
    });
  };
}

export const handler = middy(makeHandler(engineHandlerDeps)).use(sqsPartialBatchFailure({ logger: logRecordFailure }));

function logRecordFailure(reason: unknown, record: { messageId?: string }): void {
  logger.error('event record failed, left for retry', { messageId: record.messageId, error: String(reason) });
}
