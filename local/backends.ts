import { createHttpDriver } from '../adapters/http-driver';
import { createMemoryQueue } from '../adapters/memory/queue';
import { createMemoryStateStore } from '../adapters/memory/state-store';
import type { StepstackEvent } from '../core/events/event';
import type { Runtime } from '../core/functions/definition';
import type { Clock } from '../core/ports/clock';
import type { Driver } from '../core/ports/driver';
import type { Logger } from '../core/ports/logger';
import type { Queue } from '../core/ports/queue';
import type { StateStore } from '../core/ports/state';
import type { WorkItem } from '../core/run/work-item';
import type { StackConfig } from './config';

/** The adapters a stack runs on, chosen by its settings. */
export interface Backends {
  state: StateStore;
  eventStream: Queue<StepstackEvent>;
  stepQueue: Queue<WorkItem>;
  stepDeadLetters: Queue<WorkItem>;
  drivers: Partial<Record<Runtime['type'], Driver>>;
  /** true, or why Docker steps cannot run. */
  docker: true | string;
  health(): Promise<void>;
  close(): Promise<void>;
}

/** Deliveries of a work item before it moves to the dead-letter queue. */
export const MAX_RECEIVES = 5;

export async function createBackends(config: StackConfig, context: { clock: Clock; logger: Logger }): Promise<Backends> {
  const state = createMemoryStateStore({ clock: context.clock, retentionMs: config.retentionMs });
  const stepDeadLetters = createMemoryQueue<WorkItem>({ name: 'steps-dlq' });
  const stepQueue = createMemoryQueue<WorkItem>({ name: 'steps', maxReceiveCount: MAX_RECEIVES, deadLetter: stepDeadLetters });
  const eventDeadLetters = createMemoryQueue<StepstackEvent>({ name: 'events-dlq' });
  const eventStream = createMemoryQueue<StepstackEvent>({ name: 'events', maxReceiveCount: MAX_RECEIVES, deadLetter: eventDeadLetters });
  const drivers: Backends['drivers'] = { http: createHttpDriver({ signingKey: config.signingKey }) };
  return {
    state, eventStream, stepQueue, stepDeadLetters, drivers,
    docker: 'Docker steps are not wired yet',
    health: () => state.ping(),
    async close() {
      await Promise.all([eventStream, stepQueue, stepDeadLetters, eventDeadLetters].map((queue) => queue.close()));
      await state.close();
    },
  };
}
