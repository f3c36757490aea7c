import { eventOf } from '../core/events/stream';
import { hostname } from 'node:os';
import { createApp } from '../api/app';
import { DEFAULT_MAX_BODY_BYTES } from '../api/event-api';
import type { FunctionDefinition } from '../core/functions/definition';
import { onExpressionOverBudget } from '../core/expressions/budget';
import { newId } from '../core/ids';
import { type Clock, systemClock } from '../core/ports/clock';
import type { Logger } from '../core/ports/logger';
import type { Queue } from '../core/ports/queue';
import type { StateStore } from '../core/ports/state';
import { defaultRetrySettings } from '../core/run/backoff';
import type { WorkItem } from '../core/run/work-item';
import { CRON_CATCH_UP_MS, fireCronTicks, noteCronRegistration } from '../core/services/cron';
import type { EngineDeps } from '../core/services/deps';
import { handleDeadWorkItem } from '../core/services/dead-letters';
import { keepDeadEvent } from '../core/services/dead-events';
import { type ExecutorDeps, handleWorkItem } from '../core/services/executor';
import { FairShare } from '../core/services/fair-share';
import { parseMemory } from '../core/memory';
import { FunctionCatalog } from '../core/services/function-catalog';
import { RUNNER_CONCURRENCY, handleEvent } from '../core/services/runner';
import { type Worker, startWorker } from '../core/services/worker-loop';
import { type BackendContext, createBackends } from './backends';
import { createMemoryHistoryStore } from '../adapters/memory/history';
import { redisHistoryFor, redisSessionsFor } from '../platform/state';
import { createMemorySessionStore } from '../adapters/memory/sessions';
import { loadDashboardAssets } from '../platform/dashboard-assets';
import { createPrometheusMetrics, watchInFlight } from '../platform/metrics/prometheus';
import { loadFunctionsDir } from '../platform/function-files';
import { serveApp } from '../platform/http/node-server';
import { eventIds, workItemIds } from '../platform/logging/correlation';
import type { Settings } from '../platform/settings';

export interface LocalStack {
  url: string;
  port: number;
  state: StateStore;
  engine: EngineDeps;
  catalog: FunctionCatalog;
  /** Nothing in hand and every worker waiting on an empty queue (delayed items may wait): tests wait for this to hold a while. */
  idle(): boolean;
  /** Which drivers this stack has, and why one is missing. */
  drivers: { http: boolean; docker: boolean | string };
  stop(): Promise<void>;
}

export interface StackOptions {
  logger: Logger;
  clock?: Clock;
  /** Functions to register at start (besides those of `config.FUNCTIONS_DIR`). */
  functions?: FunctionDefinition[];
  /** Overrides `config.STEP_LEASE`. */
  leaseMs?: number;
  /** How often the cron ticker looks for due ticks. @default 1s */
  cronIntervalMs?: number;
  /** Pins retry jitter in tests. */
  random?: () => number;
  /** Replace drivers (tests inject one whose platform is down). */
  drivers?: BackendContext['drivers'];
  /** Deliveries before a message of the in-memory queues is dead-lettered (tests shorten it). @default 5 */
  maxReceives?: number;
  /** Wrap the step queue every part uses (tests inject faults into its sends). */
  wrapStepQueue?: (queue: Queue<WorkItem>) => Queue<WorkItem>;
}

/** The whole stack in one process: Event API, core API, runner, executor, cron and dead letters. */
export async function startLocalStack(config: Settings, options: StackOptions): Promise<LocalStack> {
  const { logger } = options;
  onExpressionOverBudget((report) => logger.warn('expression over its cost budget: counted as false', report));
  const clock = options.clock ?? systemClock;
  const leaseMs = options.leaseMs ?? config.STEP_LEASE;
  const owner = `${hostname()}-${process.pid}-${newId()}`;
  const backends = await createBackends(config, { clock, logger, executorId: owner, ...(options.drivers ? { drivers: options.drivers } : {}), ...(options.maxReceives ? { maxReceives: options.maxReceives } : {}) });
  const metrics = createPrometheusMetrics();
  const sessions = config.REDIS_URL ? redisSessionsFor(config) : createMemorySessionStore(clock);
  const stepQueue = options.wrapStepQueue ? options.wrapStepQueue(backends.stepQueue) : backends.stepQueue;
  const engine: EngineDeps = {
    state: backends.state,
    queue: stepQueue,
    clock,
    logger,
    retry: { ...defaultRetrySettings, baseMs: config.RETRY_BASE, maxMs: config.RETRY_MAX, ...(options.random ? { random: options.random } : {}) },
    retentionMs: config.RETENTION,
    newId,
    eventStream: backends.eventStream,
    history: config.REDIS_URL ? redisHistoryFor(config, clock) : createMemoryHistoryStore({ clock, retentionMs: config.RETENTION }),
    metrics,
  };
  const fromDir = await loadFunctionsDir(config.FUNCTIONS_DIR);
  for (const problem of fromDir.errors) logger.error('function file rejected', { problem });
  for (const definition of [...fromDir.functions, ...(options.functions ?? [])]) {
    await noteCronRegistration(engine.state, definition, clock.now(), engine.retentionMs);
    await engine.state.putFunction(definition);
  }
  if (fromDir.functions.length > 0) logger.info('functions loaded', { dir: config.FUNCTIONS_DIR, ids: fromDir.functions.map((fn) => fn.id).join(',') });
  const catalog = new FunctionCatalog(engine.state);

  const executorDeps: ExecutorDeps = {
    ...engine, drivers: backends.drivers, sdkDriver: backends.sdkDriver, owner, leaseMs,
    fairShare: new FairShare(config.CONCURRENCY, config.FUNCTION_SHARE / 100), outputCapBytes: parseMemory(config.RUN_OUTPUT_CAP),
  };
  const workers: Worker[] = [
    startWorker({
      name: 'runner', queue: backends.eventStream, logger, concurrency: RUNNER_CONCURRENCY, visibilityMs: leaseMs, correlate: eventIds,
      handle: async (message) => {
        await handleEvent({ ...engine, catalog }, eventOf(message.body), { redelivered: message.receiveCount > 1 });
        return { kind: 'ack' };
      },
    }),
    startWorker({
      name: 'executor', queue: stepQueue, logger, concurrency: config.CONCURRENCY, visibilityMs: leaseMs, correlate: workItemIds,
      handle: (message, signal) => handleWorkItem(executorDeps, message.body, message, signal),
    }),
    startWorker({
      name: 'dead-letters', queue: backends.stepDeadLetters, logger, concurrency: 1, visibilityMs: leaseMs, correlate: workItemIds,
      handle: async (message) => {
        await handleDeadWorkItem(engine, message.body, message.receiveCount);
        return { kind: 'ack' };
      },
    }),
    startWorker({
      name: 'event-dead-letters', queue: backends.eventDeadLetters, logger, concurrency: 1, visibilityMs: leaseMs, correlate: eventIds,
      handle: async (message) => {
        await keepDeadEvent(engine, eventOf(message.body), message.receiveCount);
        return { kind: 'ack' };
      },
    }),
  ];

  // Ticks that fell during a restart run once, if at most CRON_CATCH_UP_MS old and after their registration.
  let cronFrom = clock.now() - CRON_CATCH_UP_MS;
  const cron = setInterval(() => {
    const to = clock.now();
    catalog.list()
      .then((functions) => fireCronTicks(engine, functions.filter((fn) => fn.cronTriggers.length > 0), cronFrom, to))
      .then(() => { cronFrom = to; })
      .catch((error: unknown) => logger.error('cron tick failed', { error: String(error) }));
  }, options.cronIntervalMs ?? 1000);

  const app = createApp({
    logger,
    events: { intake: { stream: backends.eventStream, clock, newId, metrics }, config: { eventKeys: config.EVENT_KEYS, maxBodyBytes: DEFAULT_MAX_BODY_BYTES } },
    core: { engine, apiKey: config.API_KEY, stream: backends.eventStream, apps: { driver: backends.sdkDriver, signingKey: config.SIGNING_KEY } },
    dashboard: { assets: loadDashboardAssets(), sessions },
    health: () => backends.health(),
    localGuard: { allowedHosts: config.ALLOWED_HOSTS },
    metrics,
  });
  watchInFlight(metrics, () => workers[1]?.inFlight ?? 0); // workers[1]: the executor
  const http = await serveApp(app, { port: config.PORT, host: config.HOST });

  return {
    url: `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${http.port}`,
    port: http.port,
    state: engine.state,
    engine,
    catalog,
    drivers: { http: true, docker: backends.docker },
    idle: () => workers.every((worker) => worker.inFlight === 0 && worker.receiving),
    async stop() {
      clearInterval(cron);
      await http.close();
      await Promise.all(workers.map((worker) => worker.stop(config.DRAIN_DEADLINE)));
      await backends.close();
      await engine.history?.close();
      await sessions.close();
    },
  };
}
