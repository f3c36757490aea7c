import { serveHttp } from '../local/http-server';
import type { StepstackEvent } from '../core/events/event';
import { createSqsClient, createSqsQueue } from '../adapters/sqs';
import { errorMessage } from '../core/errors';
import { handleEvent } from '../core/services/runner';
import { engineHandlerDeps } from '../handlers/deps';
import { eventApiDeps } from '../handlers/event-api-deps';
import { routeEventApi } from '../handlers/event-api';
import { jsonLogger } from '../handlers/logger';
import { readSettings } from '../handlers/settings';
import { parseDuration } from '../core/duration';
import { EXIT, startDaemon } from './daemon';

/**
 * Container mode (resources/ecs.yml): `node container.js event-api` serves the Event API on port 8288
 * behind the HTTP API's VPC link; `node container.js runner` consumes the event stream. Both stop
 * cleanly on the SIGTERM that ECS sends before SIGKILL.
 */
const logger = jsonLogger({ service: 'stepstack', stage: process.env.STEPSTACK_STAGE, part: process.argv[2] });

async function eventApi(): Promise<void> {
  const deps = eventApiDeps();
  const server = await serveHttp(
    (request) => routeEventApi(deps, request.method, request.path, request.body),
    { port: Number(process.env.PORT ?? 8288), host: process.env.HOST ?? '0.0.0.0', maxBodyBytes: deps.config.maxBodyBytes },
  );
  logger.info('event API listening', { port: server.port });
  process.once('SIGTERM', () => {
    server.close().then(() => process.exit(EXIT.DRAINED), () => process.exit(EXIT.FAILED));
  });
}

function runner(): void {
  const settings = readSettings(process.env, ['eventStreamUrl', 'stepQueueUrl', 'redisUrl']);
  const { runner: deps } = engineHandlerDeps();
  const client = createSqsClient({ region: settings.region, ...(settings.sqsEndpoint ? { endpoint: settings.sqsEndpoint } : {}) });
  const stream = createSqsQueue<StepstackEvent>({ client, queueUrl: settings.eventStreamUrl });
  startDaemon<StepstackEvent>({
    name: 'runner',
    queue: stream,
    handle: async (message) => {
      await handleEvent(deps, message.body, { redelivered: message.receiveCount > 1 });
      return { kind: 'ack' };
    },
    prepare: () => deps.state.ping(),
    async close() {
      await stream.close();
      await deps.queue.close();
      await deps.state.close();
      client.destroy();
    },
    drainDeadlineMs: process.env.DRAIN_DEADLINE ? parseDuration(process.env.DRAIN_DEADLINE) : 60_000,
    logger,
  });
}

const part = process.argv[2];
try {
  if (part === 'event-api') {
    eventApi().catch((error: unknown) => {
      logger.error('event API failed to start', { error: errorMessage(error) });
      process.exit(EXIT.FAILED);
    });
  } else if (part === 'runner') {
    runner();
  } else {
    throw new Error(`unknown part "${part ?? ''}": run \`node container.js event-api\` or \`node container.js runner\``);
  }
} catch (error) {
  logger.error('container failed to start', { error: errorMessage(error) });
  process.exit(EXIT.FAILED);
}
