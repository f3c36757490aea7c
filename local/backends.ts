import type { EventStream, StreamMessage } from '../core/events/stream';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createDockerDriver, probeDocker } from '../adapters/docker';
import { createHttpDriver } from '../adapters/http-driver';
import { createInngestDriver } from '../adapters/inngest-driver';
import { createMemoryQueue } from '../adapters/memory/queue';
import { createMemoryStateStore } from '../adapters/memory/state-store';
import { createSqsClient, createSqsQueue, ensureQueue } from '../adapters/sqs';
import { PlatformError, errorMessage } from '../core/errors';
import type { Runtime } from '../core/functions/definition';
import type { Clock } from '../core/ports/clock';
import type { Driver } from '../core/ports/driver';
import type { SdkDriver } from '../core/ports/sdk-driver';
import type { Logger } from '../core/ports/logger';
import { isPingable, type Queue } from '../core/ports/queue';
import type { StateStore } from '../core/ports/state';
import type { WorkItem } from '../core/run/work-item';
import { dockerLimitsFor } from '../platform/docker-limits';
import type { Settings } from '../platform/settings';
import { redisStateFor } from '../platform/state';

/** The adapters a stack runs on, chosen by its settings. */
export interface Backends {
  state: StateStore;
  eventStream: EventStream;
  stepQueue: Queue<WorkItem>;
  stepDeadLetters: Queue<WorkItem>;
  /** Events the runner could not process. */
  eventDeadLetters: EventStream;
  drivers: Partial<Record<Runtime['type'], Driver>>;
  /** Calls the apps of Inngest SDK functions. */
  sdkDriver: SdkDriver;
  /** true, or why Docker steps cannot run. */
  docker: true | string;
  health(): Promise<void>;
  close(): Promise<void>;
}

export interface BackendContext {
  clock: Clock;
  logger: Logger;
  /** Owner id of this process's executor (labels its containers). */
  executorId: string;
  /** Replace drivers (tests inject a driver whose platform is down). */
  drivers?: Partial<Record<Runtime['type'], Driver>>;
  /** Deliveries before a message of the in-memory queues moves to its dead-letter queue (tests shorten it). @default MAX_RECEIVES */
  maxReceives?: number;
}

/** Deliveries of a message before it moves to its dead-letter queue. */
export const MAX_RECEIVES = 5;

interface QueueSet {
  eventStream: EventStream;
  stepQueue: Queue<WorkItem>;
  stepDeadLetters: Queue<WorkItem>;
  eventDeadLetters: EventStream;
  all: Queue<unknown>[];
  client?: SQSClient;
}

/** Memory, or REDIS_URL / SQS_ENDPOINT when set; HTTP steps always, Docker steps when a daemon answers. */
export async function createBackends(config: Settings, context: BackendContext): Promise<Backends> {
  const state = config.REDIS_URL ? await reachableRedis(config) : createMemoryStateStore({ clock: context.clock, retentionMs: config.RETENTION });
  let queues: QueueSet;
  try {
    queues = config.SQS_ENDPOINT ? await sqsQueues(config, context.clock) : memoryQueues(context.clock, context.maxReceives ?? MAX_RECEIVES);
  } catch (error) {
    await state.close();
    throw new StartupError(`SQS_ENDPOINT: ${config.SQS_ENDPOINT} did not answer (${errorMessage(error)}): start that SQS server, or unset SQS_ENDPOINT to keep the queues in memory`, { cause: error });
  }
  const probe = await probeDocker();
  const http = createHttpDriver({ signingKey: config.SIGNING_KEY, allowLinkLocal: config.HTTP_ALLOW_LINK_LOCAL });
  const sdkDriver = createInngestDriver({ signingKey: config.SIGNING_KEY, allowLinkLocal: config.HTTP_ALLOW_LINK_LOCAL });
  const drivers: Backends['drivers'] = {
    http,
    ...(probe.available ? { docker: createDockerDriver({ executorId: context.executorId, namespace: config.STEPSTACK_NAMESPACE, network: config.DOCKER_NETWORK, ...dockerLimitsFor(config) }) } : {}),
    ...context.drivers,
  };
  return {
    state,
    eventStream: queues.eventStream,
    stepQueue: queues.stepQueue,
    stepDeadLetters: queues.stepDeadLetters,
    eventDeadLetters: queues.eventDeadLetters,
    drivers,
    sdkDriver,
    docker: drivers.docker ? true : probe.available ? 'disabled' : probe.reason,
    // The stack answers healthy only when it can reach its state and its queues.
    health: async () => {
      await state.ping();
      const reachable: unknown[] = [queues.eventStream, queues.stepQueue];
      await Promise.all(reachable.filter(isPingable).map((queue) => queue.ping()));
    },
    async close() {
      await Promise.all(queues.all.map((queue) => queue.close()));
      queues.client?.destroy();
      http.close();
      sdkDriver.close();
      await state.close();
    },
  };
}

/** A configured backend that cannot be reached at start: the stack does not start (no silent in-memory fall-back). */
export class StartupError extends PlatformError {}

/** The Redis state store, once it answers a ping; else a StartupError naming REDIS_URL (its host only: the URL may hold a password). */
async function reachableRedis(config: Settings): Promise<StateStore> {
  const state = redisStateFor(config);
  try {
    await state.ping();
    return state;
  } catch (error) {
    await state.close().catch(() => undefined);
    throw new StartupError(`REDIS_URL: Redis at ${redisAddress(config.REDIS_URL)} did not answer (${errorMessage(error)}): start it, or unset REDIS_URL to keep state in memory`, { cause: error });
  }
}

function redisAddress(url: string): string {
  const afterScheme = url.replace(/^[a-z]+:\/\//i, '');
  return afterScheme.slice(afterScheme.lastIndexOf('@') + 1).split('/')[0] ?? '';
}

function memoryQueues(clock: Clock, maxReceives: number): QueueSet {
  const stepDeadLetters = createMemoryQueue<WorkItem>({ name: 'steps-dlq', clock });
  const stepQueue = createMemoryQueue<WorkItem>({ name: 'steps', maxReceiveCount: maxReceives, deadLetter: stepDeadLetters, clock });
  const eventDeadLetters = createMemoryQueue<StreamMessage>({ name: 'events-dlq', clock });
  const eventStream = createMemoryQueue<StreamMessage>({ name: 'events', maxReceiveCount: maxReceives, deadLetter: eventDeadLetters, clock });
  return { eventStream, stepQueue, stepDeadLetters, eventDeadLetters, all: [eventStream, stepQueue, stepDeadLetters, eventDeadLetters] as Queue<unknown>[] };
}

/** The stack's queues on an SQS endpoint, created (with their dead-letter queues) when missing. */
async function sqsQueues(config: Settings, clock: Clock): Promise<QueueSet> {
  const client = createSqsClient({ endpoint: config.SQS_ENDPOINT });
  const name = (suffix: string): string => `${config.STEPSTACK_NAMESPACE}-${suffix}`;
  const redrive = (suffix: string) => ({ deadLetter: { name: name(`${suffix}-dlq`), maxReceiveCount: MAX_RECEIVES } });
  const [eventsUrl, stepsUrl] = await Promise.all([ensureQueue(client, name('events'), redrive('events')), ensureQueue(client, name('steps'), redrive('steps'))]);
  const [stepsDlqUrl, eventsDlqUrl] = await Promise.all([ensureQueue(client, name('steps-dlq')), ensureQueue(client, name('events-dlq'))]);
  const eventStream = createSqsQueue<StreamMessage>({ client, queueUrl: eventsUrl, clock });
  const stepQueue = createSqsQueue<WorkItem>({ client, queueUrl: stepsUrl, clock });
  const stepDeadLetters = createSqsQueue<WorkItem>({ client, queueUrl: stepsDlqUrl, clock });
  const eventDeadLetters = createSqsQueue<StreamMessage>({ client, queueUrl: eventsDlqUrl, clock });
  return { eventStream, stepQueue, stepDeadLetters, eventDeadLetters, all: [eventStream, stepQueue, stepDeadLetters, eventDeadLetters] as Queue<unknown>[], client };
}
