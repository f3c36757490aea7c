import { createSqsQueue } from '../adapters/sqs';
import type { StepstackEvent } from '../core/events/event';
import { errorMessage } from '../core/errors';
import { handleEvent } from '../core/services/runner';
import { sqsClientFor } from '../platform/aws/clients';
import { withSecrets } from '../platform/aws/secrets';
import { stageEngine } from '../platform/compose/engine';
import { EXIT, startDaemon } from '../platform/daemon';
import { containerEventApi } from './event-api-app';
import { serveApp } from '../platform/http/node-server';
import { jsonLogger, loggerFor } from '../platform/logging';
import { eventIds } from '../platform/logging/correlation';
import { loadSettings } from '../platform/settings';

/**
 * Container mode (resources/ecs.yml): `node container.js event-api` serves the Event API on PORT
 * behind the HTTP API's VPC link; `node container.js runner` consumes the event stream. Both stop
 * cleanly on the SIGTERM that ECS sends before SIGKILL.
 */
const part = process.argv[2];
let logger = jsonLogger({ service: 'stepstack', part });

async function eventApi(): Promise<void> {
  const settings = loadSettings(await withSecrets(process.env), { require: ['EVENT_STREAM_URL'] });
  logger = loggerFor(settings, 'ecs', { service: 'stepstack', part });
  const { app, close } = containerEventApi(settings, logger);
  const server = await serveApp(app, { port: settings.PORT, host: settings.HOST });
  logger.info('event API listening', { port: server.port });
  process.once('SIGTERM', () => {
    server.close().then(close).then(() => process.exit(EXIT.DRAINED), () => process.exit(EXIT.FAILED));
  });
}

async function runner(): Promise<void> {
  const settings = loadSettings(await withSecrets(process.env), { require: ['EVENT_STREAM_URL', 'STEP_QUEUE_URL', 'REDIS_URL'] });
  logger = loggerFor(settings, 'ecs', { service: 'stepstack', part });
  const stage = stageEngine(settings, logger);
  const client = sqsClientFor(settings);
  const stream = createSqsQueue<StepstackEvent>({ client, queueUrl: settings.EVENT_STREAM_URL });
  startDaemon<StepstackEvent>({
    name: 'runner',
    queue: stream,
    handle: async (message) => {
      await handleEvent(stage.runner, message.body, { redelivered: message.receiveCount > 1 });
      return { kind: 'ack' };
    },
    correlate: eventIds,
    prepare: () => stage.engine.state.ping(),
    async close() {
      await stream.close();
      await stage.close();
      client.destroy();
    },
    drainDeadlineMs: settings.DRAIN_DEADLINE,
    logger,
  });
}

try {
  if (part === 'event-api') {
    eventApi().catch((error: unknown) => {
      logger.error('event API failed to start', { error: errorMessage(error) });
      process.exit(EXIT.FAILED);
    });
  } else if (part === 'runner') {
    runner().catch((error: unknown) => {
      logger.error('runner failed to start', { error: errorMessage(error) });
      process.exit(EXIT.FAILED);
    });
  } else {
    throw new Error(`unknown part "${part ?? ''}": run \`node container.js event-api\` or \`node container.js runner\``);
  }
} catch (error) {
  logger.error('container failed to start', { error: errorMessage(error) });
  process.exit(EXIT.FAILED);
}
