import { checkFormat } from '../format';
import { ancestorsOf } from '../functions/ancestors';
import { compileCached, compileKnown } from '../functions/compile';
import type { CompiledFunction } from '../functions/compiled';
import type { FunctionDefinition, Runtime } from '../functions/definition';
import type { StepstackEvent } from '../events/event';
import { handleFlowItem } from '../flow/flow-items';
import { PARKED, hasStepFlowControl, releaseCarried, releaseReservations, underFlowControl } from '../flow/step-flow';
import type { Driver, StepOutcome } from '../ports/driver';
import type { SdkDriver } from '../ports/sdk-driver';
import { isSdkFunction } from '../sdk/ids';
import type { LeasedStepContext } from '../ports/run-store';
import { planAttempt } from '../run/attempt';
import { stepItem, workOf } from '../run/pending-work';
import { WORK_ITEM_FORMAT, type StepWorkItem, type TimerWorkItem, type WorkItem } from '../run/work-item';
import type { EngineDeps } from './deps';
import { type FairShare, deferralDelayMs } from './fair-share';
import { type LeaseWatch, type LeaseWatcher, watchLeases } from './lease-watch';
import { runSdkSteps } from './sdk-executor';
import { type StepInputs, extendInputs, inputsOf } from './step-inputs';
import { attemptSettled, runChanged } from './run-changes';
import { dropPauses, enqueueWork, indexPauses, recoverRun } from './work';

export interface ExecutorDeps extends EngineDeps {
  drivers: Partial<Record<Runtime['type'], Driver>>;
  /** Unique per executor process; each delivery it handles leases as `<owner>/<id>`. */
  owner: string;
  /** How long a lease on a running step lasts between renewals. */
  leaseMs: number;
  /** Each function's share of this executor's slots. @default no limit */
  fairShare?: FairShare;
  /** Most bytes of outputs one run may hold (RUN_OUTPUT_CAP). @default no cap */
  outputCapBytes?: number;
  /** Calls the apps of Inngest SDK functions. @default none: their steps fail */
  sdkDriver?: SdkDriver;
}

/** What to do with the queue message once handled. */
export type Disposition = { kind: 'ack' } | { kind: 'retry'; afterMs: number };

const ACK: Disposition = { kind: 'ack' };

/** Counts deliveries in this process, to tell their leases apart. */
let deliveries = 0;

/** Handle one work item: run a step attempt, or fire a timer. Throws on faults of the platform. */
export async function handleWorkItem(
  deps: ExecutorDeps, item: WorkItem, delivery: { receiveCount: number }, signal: AbortSignal,
): Promise<Disposition> {
  checkFormat('work item', item.format, WORK_ITEM_FORMAT);
  const early = item.dueAt - deps.clock.now();
  if (early > 1000) {
    // A queue whose delays are capped delivered early: put it back until it is due.
    await enqueueWork(deps, [item]);
    return ACK;
  }
  if (item.kind === 'timer') return fireTimer(deps, item, delivery);
  if (item.kind === 'flow') {
    await handleFlowItem(deps, item, delivery);
    return ACK;
  }
  const { fairShare } = deps;
  if (!fairShare) return runStep(deps, item, delivery, signal);
  if (!fairShare.enter(item.functionId)) {
    // Its function holds its share of the slots: come back later, as a new message (no receive budget spent).
    const deferrals = (item.deferrals ?? 0) + 1;
    await deps.queue.send([{ body: { ...item, deferrals }, delayMs: deferralDelayMs(deferrals) }]);
    return ACK;
  }
  try {
    return await runStep(deps, item, delivery, signal);
  } finally {
    fairShare.leave(item.functionId);
  }
}

/** Steps run one after another under one message before the rest goes back to the queue. */
const MAX_CONTINUATIONS = 100;

/** A step this executor holds a lease on, with what it needs to run: ready without a lookup. */
interface LeasedStep {
  item: StepWorkItem;
  /** The run's function, compiled. */
  fn: CompiledFunction;
  /** The step's inputs, when the step before it in a chain made them. */
  inputs?: StepInputs;
  context: LeasedStepContext;
  owner: string;
  /** Outputs of the run this executor knows (a chain keeps adding its own). */
  known: Map<string, unknown>;
  /** The run's events when it has more than its trigger (a batch). */
  events?: StepstackEvent[];
}

/**
 * Run the item's step; then, while its commit scheduled a next step of the same run that is due now,
 * run that one too: the commit leased it to this executor, so it needs neither a queue trip nor a lease
 * call (one round trip to the state per step instead of two). The message stays unacknowledged until
 * the chain ends: after a crash it comes back and its redelivery re-sends the run's pending work.
 */
async function runStep(deps: ExecutorDeps, item: StepWorkItem, delivery: { receiveCount: number }, signal: AbortSignal): Promise<Disposition> {
  const owner = nextOwner(deps);
  const planned = item.functionHash === undefined ? undefined : compileCached(item.functionHash);
  const lease = await deps.state.leaseStep({
    runId: item.runId, stepId: item.stepId, attempt: item.attempt, owner, leaseMs: deps.leaseMs, now: deps.clock.now(),
    // An SDK call reads every output of its run (the SDK replays the code over them).
    ...(planned ? { ...(isSdkFunction(planned) ? {} : { inputs: ancestorsOf(planned, item.stepId) }), withoutDefinition: true } : {}),
  });
  if (lease.status !== 'leased') await releaseReservations(deps, item, owner);
  if (lease.status === 'missing') {
    deps.logger.warn('work item for a run that no longer exists', { runId: item.runId, stepId: item.stepId });
    return ACK;
  }
  if (lease.status === 'busy') {
    // A duplicate of work another executor holds: come back when its lease ends, as a fresh message, so
    // that duplicates never spend the receive budget of the queue (the holder's own message covers it).
    await deps.queue.send([{ body: item, delayMs: Math.max(100, lease.until - deps.clock.now() + 100) }]);
    return ACK;
  }
  if (lease.status === 'closed') {
    if (delivery.receiveCount > 1) await recoverRun(deps, item.runId, { leased: true });
    return ACK;
  }
  deps.metrics?.observe('queue_lag_seconds', Math.max(0, deps.clock.now() - item.dueAt) / 1000, { kind: 'step' });
  const fn = planned ?? compileKnown(lease.step.run.functionHash, () => definitionOf(lease.step));
  if (fn.hash !== lease.step.run.functionHash) throw new Error(`run ${item.runId}: its work item names function hash ${fn.hash}, the run ${lease.step.run.functionHash}`);
  if (isSdkFunction(fn)) {
    const known = new Map(Object.entries(lease.step.outputs));
    const ran = await runSdkSteps({ ...deps, newOwner: () => nextOwner(deps) }, { item, fn, context: lease.step, owner, known }, signal);
    return ran === 'lost' ? { kind: 'retry', afterMs: 0 } : ACK;
  }
  const leases = watchLeases(deps, signal);
  try {
    return await runChain(deps, { item, fn, context: lease.step, owner, known: new Map(Object.entries(lease.step.outputs)) }, leases, signal);
  } finally {
    leases.close();
  }
}

/** Run a leased step, then each next step its commit leased to this executor (see runStep). */
async function runChain(deps: ExecutorDeps, first: LeasedStep, leases: LeaseWatcher, signal: AbortSignal): Promise<Disposition> {
  let next: LeasedStep | undefined = first;
  for (let steps = 0; next; steps += 1) {
    if (steps > 0 && (signal.aborted || steps >= MAX_CONTINUATIONS)) {
      await releaseCarried(deps, { fn: next.fn, item: next.item, event: next.context.event, owner: next.owner });
      await deps.state.releaseLease(next.item.runId, next.item.stepId, next.owner);
      await enqueueWork(deps, [next.item]);
      return ACK;
    }
    const current: LeasedStep = next;
    // Straight to the step when its function has no flow control: no wrapper, closures or extra await per step.
    const ran = hasStepFlowControl(current.fn)
      ? await underFlowControl(deps, { fn: current.fn, item: current.item, event: current.context.event, owner: current.owner },
        (events) => runLeasedStep(deps, events ? { ...current, events } : current, leases),
        (result) => (result.kind === 'done' ? result.next?.owner : undefined))
      : await runLeasedStep(deps, current, leases);
    if (ran === PARKED) {
      // Over a concurrency limit: parked until a slot frees, then sent again.
      await deps.state.releaseLease(current.item.runId, current.item.stepId, current.owner);
      return ACK;
    }
    if (ran.kind === 'lost') return { kind: 'retry', afterMs: 0 };
    next = ran.next;
  }
  return ACK;
}

function definitionOf(context: LeasedStepContext): FunctionDefinition {
  if (!context.definition) throw new Error(`run ${context.run.id}: its lease came without the function definition`);
  return context.definition;
}

/** Each delivery leases as its own owner: two copies of an item in one process must not share a lease. */
function nextOwner(deps: ExecutorDeps): string {
  deliveries += 1;
  return `${deps.owner}/${deliveries}`;
}

type Ran = { kind: 'done'; next?: LeasedStep } | { kind: 'lost' };

/** Run a leased step's attempt and commit its outcome; returns the next step when the commit leased one to us. */
async function runLeasedStep(deps: ExecutorDeps, leased: LeasedStep, leases: LeaseWatcher): Promise<Ran> {
  const { item, fn, context, owner, known } = leased;
  const { runId, stepId, attempt } = item;
  const step = fn.steps.get(stepId);
  if (!step) throw new Error(`run ${runId}: function ${fn.id} has no step '${stepId}'`);
  const inputs = leased.inputs ?? inputsOf(known, ancestorsOf(fn, stepId));
  const { steps } = inputs;
  const watch = leases.watch({ runId, stepId, attempt, owner });
  let outcome: StepOutcome;
  const started = deps.clock.now();
  try {
    outcome = await runAttempt(deps.drivers[step.runtime.type], {
      input: {
        event: context.event, events: leased.events ?? [context.event], steps, async: context.async,
        ctx: { fn_id: fn.id, step_id: stepId, run_id: runId, attempt },
      },
      stepsJson: inputs.json,
      runtime: step.runtime,
      timeoutMs: step.timeoutMs,
      signal: watch.signal,
    });
  } catch (error) {
    if (watch.stopped) return stopped(deps, watch, leased);
    await deps.state.releaseLease(runId, stepId, owner).catch(() => undefined);
    throw error;
  } finally {
    watch.close();
  }
  // A lease lost mid-step, or a run that ended, never commits (SPEC section 5).
  if (watch.stopped) return stopped(deps, watch, leased);
  const now = deps.clock.now();
  deps.metrics?.observe('step_duration_seconds', (now - started) / 1000, { runtime: step.runtime.type });
  const planned = planAttempt(fn, stepId, attempt, outcome, {
    runId, event: context.event, steps, async: context.async, events: leased.events, attempts: context.history.attempts, errors: context.history.errors, now, retry: deps.retry,
  });
  if (planned.index.length > 0) await indexPauses(deps, planned.index);
  const successor = nextOwner(deps);
  // Completed in place rather than spread into a new object: this runs once per step.
  const { commit } = planned;
  commit.release = { owner };
  commit.leaseNext = { owner: successor, until: now + deps.leaseMs };
  if (deps.outputCapBytes) commit.outputCap = deps.outputCapBytes;
  const result = await deps.state.commitAttempt(commit);
  if (result.outcome !== 'committed') {
    await deps.state.releaseLease(runId, stepId, owner);
    return { kind: 'done' };
  }
  deps.metrics?.count('steps', { function_id: fn.id, runtime: step.runtime.type, outcome: commit.result.kind });
  attemptSettled(deps, { runId, stepId, attempt, startedAt: started, endedAt: now, outcome: commit.result.kind, ...(outcome.kind === 'failure' ? { error: outcome.error } : {}) });
  // Each effect awaited only when there is one: a chained step mostly has none, and an await costs a turn of the microtask queue.
  const work = workOf(context.run, result, commit.changes?.timers);
  if (work.length > 0) await enqueueWork(deps, work);
  if (result.droppedPauses.length > 0) await dropPauses(deps, result);
  if (result.status !== 'Running') await runChanged(deps, context.run, result);
  if (!result.leased) return { kind: 'done' };
  if (outcome.kind === 'success') known.set(stepId, outcome.output);
  const chained = outcome.kind === 'success' ? extendInputs(fn, stepId, inputs, outcome.output, result.leased.stepId, commit.result.kind === 'completed' ? commit.result.json : undefined) : undefined;
  if (!chained) await fillMissingOutputs(deps, fn, runId, result.leased.stepId, known);
  return {
    kind: 'done',
    next: {
      item: stepItem(context.run, result.leased),
      fn,
      inputs: chained,
      context: nextContext(context, result.leased.async),
      owner: successor,
      known,
    },
  };
}

/** The context of the step a commit leased next: the run's, with that step's async event and no history. */
function nextContext(context: LeasedStepContext, async: LeasedStepContext['async']): LeasedStepContext {
  // Written out rather than spread: this runs once per chained step.
  const next: LeasedStepContext = { run: context.run, event: context.event, outputs: context.outputs, async, history: { attempts: 0, errors: [] } };
  if (context.definition !== undefined) return { ...next, definition: context.definition };
  return next;
}

/** A fan-in step's other parents may have been committed by other executors: read the outputs this one lacks. */
async function fillMissingOutputs(deps: ExecutorDeps, fn: CompiledFunction, runId: string, stepId: string, known: Map<string, unknown>): Promise<void> {
  const missing: string[] = [];
  for (const id of ancestorsOf(fn, stepId)) if (!known.has(id)) missing.push(id);
  if (missing.length === 0) return;
  for (const [id, output] of Object.entries(await deps.state.readOutputs(runId, missing))) known.set(id, output);
}

/** The attempt was stopped: its run ended (acknowledge), or its lease was lost (let the message come back). */
async function stopped(deps: ExecutorDeps, watch: LeaseWatch, leased: LeasedStep): Promise<Ran> {
  deps.logger.warn('step stopped', { runId: leased.item.runId, stepId: leased.item.stepId, reason: watch.stopped });
  await deps.state.releaseLease(leased.item.runId, leased.item.stepId, leased.owner).catch(() => undefined);
  return watch.stopped === 'ended' ? { kind: 'done' } : { kind: 'lost' };
}


async function runAttempt(driver: Driver | undefined, request: Parameters<Driver['run']>[0]): Promise<StepOutcome> {
  if (!driver) {
    return { kind: 'failure', retryable: false, error: `no ${request.runtime.type} driver on this executor: ${request.runtime.type} steps cannot run here` };
  }
  return driver.run(request);
}

async function fireTimer(deps: ExecutorDeps, item: TimerWorkItem, delivery: { receiveCount: number }): Promise<Disposition> {
  deps.metrics?.observe('queue_lag_seconds', Math.max(0, deps.clock.now() - item.dueAt) / 1000, { kind: 'timer' });
  const result = await deps.state.fireTimer({ runId: item.runId, timerId: item.timer, now: deps.clock.now() });
  if (result.outcome === 'stale' && delivery.receiveCount > 1) await recoverRun(deps, item.runId);
  if (result.outcome !== 'committed') return ACK;
  await enqueueWork(deps, workOf({ id: item.runId, functionId: item.functionId, ...(item.functionHash ? { functionHash: item.functionHash } : {}) }, result));
  await dropPauses(deps, result);
  await runChanged(deps, { id: item.runId, functionId: item.functionId }, result);
  return ACK;
}
