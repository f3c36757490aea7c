import { PlatformError } from '../errors';
import type { StepstackEvent } from '../events/event';
import { PARKED, underFlowControl } from '../flow/step-flow';
import type { CompiledFunction } from '../functions/compiled';
import type { LeasedStepContext } from '../ports/run-store';
import type { SdkAnswer, SdkDriver } from '../ports/sdk-driver';
import { stepItem, workOf } from '../run/pending-work';
import type { StepWorkItem } from '../run/work-item';
import { SDK_ENTRY_STEP, isCallStep } from '../sdk/ids';
import { callBody } from '../sdk/memo';
import { type PlannedSdkStep, type SdkStepContext, planCall, planResolved, planStepRun } from '../sdk/plan-call';
import { isSdkStepOp } from '../sdk/step-op';
import type { EngineDeps } from './deps';
import { watchLease } from './lease-watch';
import { attemptSettled, runChanged } from './run-changes';
import { sendInvocations } from './sdk-invoke';
import { dropPauses, enqueueWork, indexPauses } from './work';

export interface SdkExecutorDeps extends EngineDeps {
  sdkDriver?: SdkDriver;
  leaseMs: number;
  outputCapBytes?: number;
  /** A fresh lease owner for the next step of a chain. */
  newOwner: () => string;
}

/** A step of an SDK run this executor holds the lease of. */
export interface LeasedSdkStep {
  item: StepWorkItem;
  fn: CompiledFunction;
  context: LeasedStepContext;
  owner: string;
  /** The run's outputs (memos) this executor knows, in the order they settled. */
  known: Map<string, unknown>;
}

/** Steps run one after another under one message before the rest goes back to the queue. */
const MAX_CONTINUATIONS = 100;

/**
 * Run a leased step of an SDK function, and the steps its commits lease to this executor after it
 * (a chain of `step.run` calls costs one state round trip per step, as file-declared chains do).
 * `lost`: a lease was lost mid-call, the message must come back.
 */
export async function runSdkSteps(deps: SdkExecutorDeps, first: LeasedSdkStep, signal: AbortSignal): Promise<'done' | 'lost'> {
  let next: LeasedSdkStep | undefined = first;
  for (let steps = 0; next; steps += 1) {
    if (steps > 0 && (signal.aborted || steps >= MAX_CONTINUATIONS)) {
      await deps.state.releaseLease(next.item.runId, next.item.stepId, next.owner);
      await enqueueWork(deps, [next.item]);
      return 'done';
    }
    const current: LeasedSdkStep = next;
    // The function's flow control (concurrency slots, a batch's events, the finish timeout) applies to each step.
    const ran = await underFlowControl(deps, { fn: current.fn, item: current.item, event: current.context.event, owner: current.owner },
      (events) => runSdkStep(deps, current, signal, events));
    if (ran === PARKED) {
      await deps.state.releaseLease(current.item.runId, current.item.stepId, current.owner);
      return 'done';
    }
    if (ran === 'lost') return 'lost';
    next = ran;
  }
  return 'done';
}

async function runSdkStep(deps: SdkExecutorDeps, leased: LeasedSdkStep, signal: AbortSignal, events: StepstackEvent[] | undefined): Promise<LeasedSdkStep | undefined | 'lost'> {
  const { item, fn, context, owner, known } = leased;
  const { runId, stepId, attempt } = item;
  const entry = fn.steps.get(SDK_ENTRY_STEP);
  if (!entry) throw new Error(`run ${runId}: function ${fn.id} is no SDK function`);
  if (entry.runtime.type !== 'inngest') throw new Error(`run ${runId}: function ${fn.id}'s entry step is of runtime ${entry.runtime.type}`);
  const { url } = entry.runtime;
  const call = isCallStep(stepId);
  const op = call ? undefined : isSdkStepOp(context.op) ? context.op : undefined;
  if (!call && !op) throw new Error(`run ${runId}: step '${stepId}' of SDK function ${fn.id} was stored without its op`);
  const settle = (now: number): SdkStepContext => ({
    runId, functionId: fn.id, stepId, attempt, retries: entry.retries, event: context.event, history: context.history, now, retry: deps.retry, retentionMs: deps.retentionMs,
  });
  let planned: PlannedSdkStep;
  const started = deps.clock.now();
  if (!op || op.kind === 'run') {
    const watch = watchLease(deps, { runId, stepId, attempt, owner }, signal);
    let answer: SdkAnswer;
    try {
      answer = deps.sdkDriver
        ? await deps.sdkDriver.call({
          url, stepId: op ? op.hashed : null, body: callBody({ id: runId, event: context.event, ...(events ? { events } : {}) }, known, attempt, entry.retries),
          timeoutMs: entry.timeoutMs, signal: watch.signal,
        })
        : { kind: 'error', retryable: false, error: { name: 'Error', message: 'no inngest driver on this executor: SDK functions cannot run here' } };
    } catch (error) {
      if (!watch.stopped) {
        await deps.state.releaseLease(runId, stepId, owner).catch(() => undefined);
        throw error;
      }
      answer = { kind: 'error', retryable: true, error: { name: 'Error', message: 'stopped' } };
    } finally {
      watch.close();
    }
    // A lease lost mid-call, or a run that ended, never commits (SPEC section 5).
    if (watch.stopped) {
      deps.logger.warn('step stopped', { runId, stepId, reason: watch.stopped });
      await deps.state.releaseLease(runId, stepId, owner).catch(() => undefined);
      return watch.stopped === 'ended' ? undefined : 'lost';
    }
    const now = deps.clock.now();
    planned = op ? planStepRun(answer, op, settle(now)) : planCall(answer, settle(now));
  } else {
    planned = planResolved(op, context.async, settle(deps.clock.now()));
  }
  await sendInvocations(deps, planned.invokes);
  await indexPauses(deps, planned.index);
  const successor = deps.newOwner();
  const now = planned.commit.now;
  const result = await deps.state.commitAttempt({
    ...planned.commit, release: { owner }, leaseNext: { owner: successor, until: now + deps.leaseMs },
    ...(deps.outputCapBytes ? { outputCap: deps.outputCapBytes } : {}),
  });
  if (result.outcome !== 'committed') {
    await deps.state.releaseLease(runId, stepId, owner);
    return undefined;
  }
  const settled = planned.commit.result;
  deps.metrics?.observe('step_duration_seconds', (now - started) / 1000, { runtime: 'inngest' });
  deps.metrics?.count('steps', { function_id: fn.id, runtime: 'inngest', outcome: settled.kind });
  attemptSettled(deps, { runId, stepId, attempt, startedAt: started, endedAt: now, outcome: settled.kind, ...(settled.kind === 'completed' ? {} : { error: planned.commit.errors.at(-1)?.message ?? (settled.kind === 'failed' ? settled.reason : 'retry') }) });
  await enqueueWork(deps, workOf(context.run, result, planned.commit.changes?.timers));
  await dropPauses(deps, result);
  await runChanged(deps, context.run, result);
  if (!result.leased) return undefined;
  const { result: outcome } = planned.commit;
  if (outcome.kind === 'completed') known.set(stepId, outcome.output);
  for (const found of planned.commit.discovered ?? []) if (found.completed) known.set(found.id, found.completed.output);
  if (!call && isCallStep(result.leased.stepId)) {
    // The last of a group of steps released this call: the others settled on other executors.
    const run = await deps.state.loadRun(runId);
    if (!run) throw new PlatformError(`run ${runId} vanished while its call ${result.leased.stepId} was leased`);
    for (const [id, output] of Object.entries(run.outputs)) if (!known.has(id)) known.set(id, output);
  }
  const nextContext: LeasedStepContext = { ...context, async: result.leased.async, history: { attempts: 0, errors: [] } };
  if (result.leased.op === undefined) delete nextContext.op;
  else nextContext.op = result.leased.op;
  return {
    item: stepItem(context.run, result.leased),
    fn,
    context: nextContext,
    owner: successor,
    known,
  };
}
