import { createSqsQueue } from '../../adapters/sqs';
import { onExpressionOverBudget } from '../../core/expressions/budget';
import { newId } from '../../core/ids';
import { systemClock } from '../../core/ports/clock';
import type { Logger } from '../../core/ports/logger';
import type { Metrics } from '../../core/ports/metrics';
import type { WorkItem } from '../../core/run/work-item';
import type { StreamMessage } from '../../core/events/stream';
import type { EngineDeps } from '../../core/services/deps';
import { FunctionCatalog } from '../../core/services/function-catalog';
import type { RunnerDeps } from '../../core/services/runner';
import { sqsClientFor } from '../aws/clients';
import { retryFor } from '../retry';
import type { Settings } from '../settings';
import { redisHistoryFor, redisStateFor } from '../state';

/** The engine on the stage's backends (Redis state, the SQS step queue), as Lambda, ECS and the executor build it. */
export interface StageEngine {
  engine: EngineDeps;
  /** The runner's view: the engine plus the registered functions, cached across calls. */
  runner: RunnerDeps;
  close(): Promise<void>;
}

export function stageEngine(settings: Settings, logger: Logger, options: { metrics?: Metrics } = {}): StageEngine {
  onExpressionOverBudget((report) => logger.warn('expression over its cost budget: counted as false', report));
  const client = sqsClientFor(settings);
  const engine: EngineDeps = {
    state: redisStateFor(settings),
    queue: createSqsQueue<WorkItem>({ client, queueUrl: settings.STEP_QUEUE_URL }),
    clock: systemClock,
    logger,
    retry: retryFor(settings),
    retentionMs: settings.RETENTION,
    newId,
    // Run ends send the platform's own events (SPEC section 3) where the stage gives the stream.
    ...(settings.EVENT_STREAM_URL ? { eventStream: createSqsQueue<StreamMessage>({ client, queueUrl: settings.EVENT_STREAM_URL }) } : {}),
    history: redisHistoryFor(settings),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  };
  return {
    engine,
    runner: { ...engine, catalog: new FunctionCatalog(engine.state) },
    async close() {
      await engine.queue.close();
      await engine.eventStream?.close();
      await engine.state.close();
      await engine.history?.close();
      client.destroy();
    },
  };
}
