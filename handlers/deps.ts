import { createRedisStateStore } from '../adapters/redis';
import { createSqsClient, createSqsQueue } from '../adapters/sqs';
import { DEFAULT_MAX_BODY_BYTES } from '../api/event-api';
import type { RouterConfig } from '../api/router';
import { onExpressionOverBudget } from '../core/expressions/budget';
import { newId } from '../core/ids';
import { systemClock } from '../core/ports/clock';
import type { Logger } from '../core/ports/logger';
import type { WorkItem } from '../core/run/work-item';
import type { EngineDeps } from '../core/services/deps';
import { FunctionCatalog } from '../core/services/function-catalog';
import type { RunnerDeps } from '../core/services/runner';
import { lazy } from './lazy';
import { jsonLogger } from './logger';
import { readSettings } from './settings';

/** What the functions over state need: the engine's ports, and the core API's keys. */
export interface EngineHandlerDeps {
  engine: EngineDeps;
  /** The runner's view: the engine plus the registered functions, cached across invocations. */
  runner: RunnerDeps;
  logger: Logger;
  routerConfig: RouterConfig;
}

export const logger = jsonLogger({ service: 'stepstack', stage: process.env.STEPSTACK_STAGE });
onExpressionOverBudget((report) => logger.warn('expression over its cost budget: counted as false', report));

/** Redis state and the step queue, built from the environment on first use and kept for the container's life. */
export const engineHandlerDeps = lazy((): EngineHandlerDeps => {
  const settings = readSettings(process.env, ['stepQueueUrl', 'redisUrl']);
  const client = createSqsClient({ region: settings.region, ...(settings.sqsEndpoint ? { endpoint: settings.sqsEndpoint } : {}) });
  const engine: EngineDeps = {
    state: createRedisStateStore({ url: settings.redisUrl, keyPrefix: settings.keyPrefix, retentionMs: settings.retentionMs }),
    queue: createSqsQueue<WorkItem>({ client, queueUrl: settings.stepQueueUrl }),
    clock: systemClock,
    logger,
    retry: settings.retry,
    retentionMs: settings.retentionMs,
    newId,
  };
  return {
    engine,
    runner: { ...engine, catalog: new FunctionCatalog(engine.state) },
    logger,
    routerConfig: { eventKeys: settings.eventKeys, apiKey: settings.apiKey, maxBodyBytes: DEFAULT_MAX_BODY_BYTES },
  };
});

/** Close what `engineHandlerDeps` opened, if it did (see local-release.ts). */
export async function closeEngineDeps(): Promise<void> {
  const built = engineHandlerDeps.peek();
  if (!built) return;
  await built.engine.queue.close();
  await built.engine.state.close();
}
