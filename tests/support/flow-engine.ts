import { createMemoryQueue } from '../../adapters/memory/queue';
import type { StepstackEvent } from '../../core/events/event';
import { newId } from '../../core/ids';
import { systemClock } from '../../core/ports/clock';
import type { Driver, StepRequest } from '../../core/ports/driver';
import { silentLogger } from '../../core/ports/logger';
import type { MetricLabels, Metrics } from '../../core/ports/metrics';
import type { Queue } from '../../core/ports/queue';
import type { StateStore } from '../../core/ports/state';
import type { RunMeta } from '../../core/ports/run-store';
import { validateFunction } from '../../core/functions/validate';
import type { WorkItem } from '../../core/run/work-item';
import type { EngineDeps } from '../../core/services/deps';
import { type ExecutorDeps, handleWorkItem } from '../../core/services/executor';
import { FunctionCatalog } from '../../core/services/function-catalog';
import { type RunnerDeps, handleEvent } from '../../core/services/runner';
import { type Worker, startWorker } from '../../core/services/worker-loop';
import { waitForQuiescence } from './quiescence';

/** A step seen by the counting driver. */
export interface SeenStep {
  fnId: string;
  runId: string;
  stepId: string;
  input: StepRequest['input'];
  startedAt: number;
  endedAt?: number;
}

/** Counts what the engine does: steps running at once (overall and by a label), every start, metrics. */
export class StepCounter {
  readonly seen: SeenStep[] = [];
  private running = new Map<string, number>();
  readonly peaks = new Map<string, number>();
  readonly counts: { name: string; labels: MetricLabels }[] = [];
  readonly metrics: Metrics = { count: (name, labels = {}) => this.counts.push({ name, labels }), observe: () => undefined };

  /** `label` groups the steps whose concurrency is compared (e.g. by key); `holdMs` is how long each runs. */
  driver(options: { holdMs: (request: StepRequest) => number; label?: (request: StepRequest) => string }): Driver {
    return {
      type: 'http',
      run: async (request) => {
        const label = options.label?.(request) ?? 'all';
        const step: SeenStep = { fnId: request.input.ctx.fn_id, runId: request.input.ctx.run_id, stepId: request.input.ctx.step_id, input: request.input, startedAt: Date.now() };
        this.seen.push(step);
        const now = (this.running.get(label) ?? 0) + 1;
        this.running.set(label, now);
        this.peaks.set(label, Math.max(this.peaks.get(label) ?? 0, now));
        try {
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, options.holdMs(request));
            request.signal.addEventListener('abort', () => {
              clearTimeout(timer);
              reject(new Error('aborted'));
            }, { once: true });
          });
        } finally {
          this.running.set(label, (this.running.get(label) ?? 1) - 1);
          step.endedAt = Date.now();
        }
        return { kind: 'success', output: { ok: true } };
      },
    };
  }
}

export interface FlowEngine {
  deps: RunnerDeps;
  state: StateStore;
  counter: StepCounter;
  /** Register a function (validated as a file would be). */
  register(raw: Record<string, unknown>): Promise<void>;
  /** Send one event to the runner, as the event stream would deliver it. */
  send(name: string, data?: Record<string, unknown>, id?: string): Promise<StepstackEvent>;
  /** Runs an event started. */
  runsOf(eventId: string): Promise<RunMeta[]>;
  /** Wait until every run of the events has ended (and at least `count` exist when given). */
  waitForRuns(eventIds: string[], options?: { count?: number; timeoutMs?: number }): Promise<RunMeta[]>;
  /** Wait until nothing is in hand and nothing is due. */
  quiesce(stableMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The runner and `executors` executors on one state store and one step queue, with a counting HTTP driver. */
export async function startFlowEngine(options: {
  state: StateStore;
  queue?: Queue<WorkItem>;
  executors?: number;
  concurrency?: number;
  leaseMs?: number;
  driver: (counter: StepCounter) => Driver;
}): Promise<FlowEngine> {
  const counter = new StepCounter();
  const queue = options.queue ?? createMemoryQueue<WorkItem>({ name: 'steps' });
  const engine: EngineDeps = {
    state: options.state, queue, clock: systemClock, logger: silentLogger, retry: { baseMs: 50, maxMs: 100 }, retentionMs: 600_000, newId, metrics: counter.metrics,
  };
  const deps: RunnerDeps = { ...engine, catalog: new FunctionCatalog(options.state) };
  const driver = options.driver(counter);
  const workers: Worker[] = [];
  for (let i = 0; i < (options.executors ?? 1); i += 1) {
    const executor: ExecutorDeps = { ...engine, drivers: { http: driver }, owner: `exec-${i}-${newId()}`, leaseMs: options.leaseMs ?? 5_000 };
    workers.push(startWorker({
      name: `executor-${i}`, queue, logger: silentLogger, concurrency: options.concurrency ?? 50, visibilityMs: 10_000, waitMs: 50,
      handle: (message, signal) => handleWorkItem(executor, message.body, message, signal),
    }));
  }
  const loadMeta = async (runId: string): Promise<RunMeta | undefined> => options.state.loadRun(runId);
  const runsOf = async (eventId: string): Promise<RunMeta[]> => {
    const ids = await options.state.runsForEvent(eventId);
    return (await Promise.all(ids.map(loadMeta))).filter((run): run is RunMeta => run !== undefined);
  };
  return {
    deps, state: options.state, counter,
    async register(raw) {
      await options.state.putFunction(validateFunction(raw, 'test'));
    },
    async send(name, data = {}, id = newId()) {
      const event: StepstackEvent = { id, name, data, ts: Date.now() };
      await handleEvent(deps, event, { redelivered: false });
      return event;
    },
    runsOf,
    async waitForRuns(eventIds, { count, timeoutMs = 20_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const runs = (await Promise.all(eventIds.map(runsOf))).flat();
        const unique = [...new Map(runs.map((run) => [run.id, run])).values()];
        if (unique.every((run) => run.status !== 'Running') && (count === undefined || unique.length >= count)) return unique;
        if (Date.now() > deadline) throw new Error(`runs did not end within ${timeoutMs} ms: ${unique.filter((run) => run.status === 'Running').length} running of ${unique.length}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    quiesce: (stableMs = 300) => waitForQuiescence(() => workers.every((worker) => worker.receiving && worker.inFlight === 0), { stableMs, timeoutMs: 30_000 }),
    async stop() {
      await Promise.all(workers.map((worker) => worker.stop(5_000)));
      await queue.close();
    },
  };
}

/** A function of one HTTP step after the trigger, with flow-control settings. */
export function limitedFunction(id: string, flow: Record<string, unknown>, event = 'test/go'): Record<string, unknown> {
  return { id, triggers: [{ event }], steps: { work: { runtime: { type: 'http', url: 'http://127.0.0.1:9/work' }, after: [{ step: '$trigger' }] } }, ...flow };
}
