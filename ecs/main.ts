import { type StreamMessage, eventOf } from '../core/events/stream';
import { createSqsQueue } from '../adapters/sqs';
import { errorMessage } from '../core/errors';
import { RUNNER_CONCURRENCY, handleEvent } from '../core/services/runner';
import { sqsClientFor } from '../platform/aws/clients';
import { withSecrets } from '../platform/aws/secrets';
import { stageEngine } from '../platform/compose/engine';
import { createPrometheusMetrics } from '../platform/metrics/prometheus';
import { EXIT, startDaemon } from '../platform/daemon';
import { containerEventApi } from './event-api-app';
import { serveApp } from '../platform/http/node-server';
import { jsonLogger, loggerFor } from '../platform/logging';
import { eventIds } from '../platform/logging/correlation';
import { loadSettings } from '../platform/settings';
import { createDaemonMetrics } from '../platform/health/metrics';
import { startHealthServer } from '../platform/health/server';

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
  const metrics = createPrometheusMetrics({ defaultMetrics: true });
  const stage = stageEngine(settings, logger, { metrics });
  const client = sqsClientFor(settings);
  const stream = createSqsQueue<StreamMessage>({ client, queueUrl: settings.EVENT_STREAM_URL });
  // The task definition's health check asks this on 127.0.0.1 (resources/ecs.yml).
  const counters = createDaemonMetrics();
  const daemon = startDaemon<StreamMessage>({
    name: 'runner',
    queue: counters.queue(stream),
    concurrency: RUNNER_CONCURRENCY,
    handle: counters.handle<StreamMessage>(async (message) => {
      await handleEvent(stage.runner, eventOf(message.body), { redelivered: message.receiveCount > 1 });
      return { kind: 'ack' };
    }),
    correlate: eventIds,
    prepare: () => stage.engine.state.ping(),
    async close() {
      await health.then((server) => server.close(), () => undefined);
      await stream.close();
      await stage.close();
      client.destroy();
    },
    drainDeadlineMs: settings.DRAIN_DEADLINE,
    logger,
  });
  const health = startHealthServer({ port: settings.HEALTH_PORT, metrics: counters.metrics, moreMetrics: () => metrics.render(), state: () => daemon.state });
  health.then(
    (server) => logger.info('runner health endpoint listening', { url: `http://127.0.0.1:${server.port}/health` }),
    (error: unknown) => logger.error('runner health endpoint could not listen: set HEALTH_PORT to a free port', { error: errorMessage(error) }),
  );
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
