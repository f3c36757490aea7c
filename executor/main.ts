import { hostname } from 'node:os';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { createDockerDriver, createEcrCredentials, probeDocker } from '../adapters/docker';
import { createHttpDriver } from '../adapters/http-driver';
import { createRedisStateStore } from '../adapters/redis';
import { createSqsClient, createSqsQueue } from '../adapters/sqs';
import { parseDuration } from '../core/duration';
import { errorMessage } from '../core/errors';
import { onExpressionOverBudget } from '../core/expressions/budget';
import { newId } from '../core/ids';
import { systemClock } from '../core/ports/clock';
import type { WorkItem } from '../core/run/work-item';
import { type ExecutorDeps, handleWorkItem } from '../core/services/executor';
import { jsonLogger } from '../handlers/logger';
import { readSettings } from '../handlers/settings';
import { DEFAULT_DRAIN_DEADLINE_MS, EXIT, startDaemon } from './daemon';
import { completeTermination, createImds, watchTermination } from './lifecycle';

/**
 * The executor daemon on an EC2 machine (started by systemd, see stepstack-executor.service): takes
 * work items off the step queue and runs steps with the Docker and HTTP drivers. Settings come from
 * /etc/stepstack/executor.env, written by the launch template's user data.
 */
function main(): void {
  const env = process.env;
  const owner = `${hostname()}-${process.pid}-${newId()}`;
  const logger = jsonLogger({ service: 'stepstack-executor', stage: env.STEPSTACK_STAGE, owner });
  onExpressionOverBudget((report) => logger.warn('expression over its cost budget: counted as false', report));
  let settings: ReturnType<typeof readSettings>;
  let drainDeadlineMs: number;
  let leaseMs: number;
  try {
    settings = readSettings(env, ['stepQueueUrl', 'redisUrl']);
    drainDeadlineMs = env.DRAIN_DEADLINE ? parseDuration(env.DRAIN_DEADLINE) : DEFAULT_DRAIN_DEADLINE_MS;
    leaseMs = env.STEP_LEASE ? parseDuration(env.STEP_LEASE) : 30_000;
  } catch (error) {
    logger.error('executor settings are invalid', { error: errorMessage(error) });
    process.exit(EXIT.FAILED);
  }

  const sqs = createSqsClient({ region: settings.region, ...(settings.sqsEndpoint ? { endpoint: settings.sqsEndpoint } : {}) });
  const queue = createSqsQueue<WorkItem>({ client: sqs, queueUrl: settings.stepQueueUrl });
  const state = createRedisStateStore({ url: settings.redisUrl, keyPrefix: settings.keyPrefix, retentionMs: settings.retentionMs });
  const docker = createDockerDriver({
    executorId: owner,
    network: env.DOCKER_NETWORK?.trim() || 'bridge',
    credentialsFor: createEcrCredentials(),
  });
  const deps: ExecutorDeps = {
    state, queue, clock: systemClock, logger, retry: settings.retry, retentionMs: settings.retentionMs, newId,
    drivers: { http: createHttpDriver({ signingKey: settings.signingKey }), docker },
    owner,
    leaseMs,
  };
  const metadata = createImds();
  const groupName = env.ASG_NAME?.trim();
  const hookName = env.LIFECYCLE_HOOK_NAME?.trim();

  const daemon = startDaemon<WorkItem>({
    name: 'executor',
    queue,
    handle: (message, signal) => handleWorkItem(deps, message.body, message, signal),
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
      await completeTermination({ autoscaling: new AutoScalingClient({ region: settings.region }), groupName, hookName, metadata });
    },
    async close() {
      await queue.close();
      await state.close();
      sqs.destroy();
    },
    concurrency: env.CONCURRENCY ? Number(env.CONCURRENCY) : 10,
    visibilityMs: leaseMs,
    drainDeadlineMs,
    logger,
  });

  if (groupName && hookName) {
    // On scale-in the group holds this machine in Terminating:Wait; drain, then let it go.
    watchTermination({ metadata, logger, onTerminating: () => void daemon.stop('retire') });
  }
}

main();
