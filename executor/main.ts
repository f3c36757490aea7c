import { parseMemory } from '../core/memory';
import { FairShare } from '../core/services/fair-share';
import { hostname } from 'node:os';
import { createDockerDriver, createEcrCredentials, probeDocker } from '../adapters/docker';
import { createHttpDriver } from '../adapters/http-driver';
import { createInngestDriver } from '../adapters/inngest-driver';
import { createSqsQueue } from '../adapters/sqs';
import { errorMessage } from '../core/errors';
import { onExpressionOverBudget } from '../core/expressions/budget';
import { newId } from '../core/ids';
import { systemClock } from '../core/ports/clock';
import type { Logger } from '../core/ports/logger';
import type { WorkItem } from '../core/run/work-item';
import type { StreamMessage } from '../core/events/stream';
import { type ExecutorDeps, handleWorkItem } from '../core/services/executor';
import { autoScalingClientFor, sqsClientFor } from '../platform/aws/clients';
import { withSecrets } from '../platform/aws/secrets';
import { EXIT, startDaemon } from '../platform/daemon';
import { dockerLimitsFor } from '../platform/docker-limits';
import { jsonLogger, loggerFor } from '../platform/logging';
import { workItemIds } from '../platform/logging/correlation';
import { retryFor } from '../platform/retry';
import { loadSettings, type Settings } from '../platform/settings';
import { redisHistoryFor, redisStateFor } from '../platform/state';
import { createPrometheusMetrics } from '../platform/metrics/prometheus';
import { startHealthServer } from '../platform/health/server';
import { completeTermination, createImds, watchTermination } from './lifecycle';
import { createDaemonMetrics } from '../platform/health/metrics';

/**
 * The executor daemon on an EC2 machine (started by systemd, see stepstack-executor.service): takes
 * work items off the step queue and runs steps with the Docker and HTTP drivers. Settings come from
 * /etc/stepstack/executor.env, written by the launch template's user data; secrets are read by name
 * at start (SIGNING_KEY_PARAMETER, REDIS_AUTH_SECRET_ARN).
 */
async function main(): Promise<void> {
  const owner = `${hostname()}-${process.pid}-${newId()}`;
  let settings: Settings;
  let logger: Logger = jsonLogger({ service: 'stepstack-executor', owner });
  try {
    settings = loadSettings(await withSecrets(process.env), { require: ['STEP_QUEUE_URL', 'REDIS_URL'] });
    logger = loggerFor(settings, 'executor', { service: 'stepstack-executor', owner });
    onExpressionOverBudget((report) => logger.warn('expression over its cost budget: counted as false', report));
  } catch (error) {
    // Restarting cannot fix settings: exit with the status systemd is told not to restart.
    logger.error('executor settings are invalid', { error: errorMessage(error) });
    process.exit(EXIT.CONFIG);
  }

  const sqs = sqsClientFor(settings);
  const queue = createSqsQueue<WorkItem>({ client: sqs, queueUrl: settings.STEP_QUEUE_URL });
  // Run ends and step.invoke send the platform's own events (SPEC section 3) through the event stream.
  const eventStream = settings.EVENT_STREAM_URL ? createSqsQueue<StreamMessage>({ client: sqs, queueUrl: settings.EVENT_STREAM_URL }) : undefined;
  const state = redisStateFor(settings);
  const history = redisHistoryFor(settings);
  const metrics = createPrometheusMetrics({ defaultMetrics: true });
  const docker = createDockerDriver({
    executorId: owner,
    namespace: settings.STEPSTACK_NAMESPACE,
    network: settings.DOCKER_NETWORK,
    ...dockerLimitsFor(settings),
    credentialsFor: createEcrCredentials(),
  });
  const deps: ExecutorDeps = {
    state, queue, clock: systemClock, logger, retry: retryFor(settings), retentionMs: settings.RETENTION, newId, history, metrics,
    ...(eventStream ? { eventStream } : {}),
    sdkDriver: createInngestDriver({ signingKey: settings.SIGNING_KEY, allowLinkLocal: settings.HTTP_ALLOW_LINK_LOCAL }),
    drivers: { http: createHttpDriver({ signingKey: settings.SIGNING_KEY, allowLinkLocal: settings.HTTP_ALLOW_LINK_LOCAL }), docker },
    owner,
    leaseMs: settings.STEP_LEASE,
    fairShare: new FairShare(settings.CONCURRENCY, settings.FUNCTION_SHARE / 100),
    outputCapBytes: parseMemory(settings.RUN_OUTPUT_CAP),
  };
  const metadata = createImds();
  const groupName = settings.ASG_NAME;
  const hookName = settings.LIFECYCLE_HOOK_NAME;

  const counters = createDaemonMetrics();
  const daemon = startDaemon<WorkItem>({
    name: 'executor',
    queue: counters.queue(queue),
    handle: counters.handle<WorkItem>((message, signal) => handleWorkItem(deps, message.body, message, signal)),
    correlate: workItemIds,
    async prepare() {
      const probe = await probeDocker();
      if (!probe.available) throw new Error(probe.reason);
      await state.ping();
      // A new process owns no container yet: every Stepstack container here was left by an earlier one.
      const removed = await docker.removeOrphans();
      logger.info('executor ready', { docker: probe.version, orphansRemoved: removed });
    },
    async retire() {
      if (!groupName || !hookName) return;
      await completeTermination({ autoscaling: autoScalingClientFor(settings), groupName, hookName, metadata });
    },
    async close() {
      await health.then((server) => server.close(), () => undefined);
      await queue.close();
      await eventStream?.close();
      await state.close();
      await history.close();
      sqs.destroy();
    },
    concurrency: settings.CONCURRENCY,
    visibilityMs: settings.STEP_LEASE,
    drainDeadlineMs: settings.DRAIN_DEADLINE,
    logger,
  });

  const health = startHealthServer({ port: settings.HEALTH_PORT, metrics: counters.metrics, moreMetrics: () => metrics.render(), state: () => daemon.state });
  health.then(
    (server) => logger.info('executor health endpoint listening', { url: `http://127.0.0.1:${server.port}/health` }),
    (error: unknown) => logger.error('executor health endpoint could not listen: set HEALTH_PORT to a free port', { error: errorMessage(error) }),
  );

  if (groupName && hookName) {
    // On scale-in the group holds this machine in Terminating:Wait; drain, then let it go.
    watchTermination({ metadata, logger, onTerminating: () => void daemon.stop('retire') });
  }
}

void main();
