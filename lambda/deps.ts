import type { Logger } from '../core/ports/logger';
import type { EngineDeps } from '../core/services/deps';
import type { RunnerDeps } from '../core/services/runner';
import { stageEngine } from '../platform/compose/engine';
import { createCloudWatchMetrics } from '../platform/metrics/cloudwatch';
import { lazy } from '../platform/lazy';
import { jsonLogger, loggerFor } from '../platform/logging';
import { loadSettings } from '../platform/settings';

/** What the functions over state need: the engine's ports, and the core API's keys. */
export interface EngineHandlerDeps {
  engine: EngineDeps;
  /** The runner's view: the engine plus the registered functions, cached across invocations. */
  runner: RunnerDeps;
  logger: Logger;
  /** Bearer key of the core API (API_KEY); empty leaves it open. */
  apiKey: string;
}

const lambdaLogger = lazy((): Logger => {
  try {
    return loggerFor(loadSettings(process.env), 'lambda', { service: 'stepstack' });
  } catch {
    // Bad settings fail the handler's build with every problem named; that log line still needs a logger.
    return jsonLogger({ service: 'stepstack' });
  }
});

/** The handlers' logger, built on first use from the settings. */
export const logger: Logger = {
  info: (message, fields) => lambdaLogger().info(message, fields),
  warn: (message, fields) => lambdaLogger().warn(message, fields),
  error: (message, fields) => lambdaLogger().error(message, fields),
};

/** Redis state and the step queue, built from the environment on first use and kept for the container's life. */
export const engineHandlerDeps = lazy((): EngineHandlerDeps => {
  const settings = loadSettings(process.env, { require: ['STEP_QUEUE_URL', 'REDIS_URL'] });
  const { engine, runner, close } = stageEngine(settings, logger, { metrics: createCloudWatchMetrics() });
  closeStage = close;
  return {
    engine,
    runner,
    logger,
    apiKey: settings.API_KEY,
  };
});

let closeStage: (() => Promise<void>) | undefined;

/** Close what `engineHandlerDeps` opened, if it did (see local-release.ts). */
export async function closeEngineDeps(): Promise<void> {
  if (engineHandlerDeps.peek()) await closeStage?.();
}
