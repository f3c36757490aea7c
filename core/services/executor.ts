import type { Runtime } from '../functions/definition';
import type { Driver, StepOutcome } from '../ports/driver';
import type { LoadedRun } from '../ports/state';
import { applyStepOutcome, applyTimer, isAttemptOpen, pendingWork } from '../run/transitions';
import type { StepWorkItem, TimerWorkItem, WorkItem } from '../run/work-item';
import { commitTransition, enqueueWork } from './commit';
import { compileForRun } from './compile-run';
import type { EngineDeps } from './deps';

export interface ExecutorDeps extends EngineDeps {
  drivers: Partial<Record<Runtime['type'], Driver>>;
  /** Unique per executor process; each delivery it handles leases as `<owner>/<id>`. */
  owner: string;
  /** How long a lease on a running step lasts between renewals. */
  leaseMs: number;
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
  const early = item.dueAt - deps.clock.now();
  if (early > 1000) {
    // A queue whose delays are capped delivered early: put it back until it is due.
    await enqueueWork(deps, [item]);
    return ACK;
  }
  return item.kind === 'step' ? runStep(deps, item, delivery, signal) : fireTimer(deps, item, delivery);
}

/** Steps run one after another under one message before the rest goes back to the queue. */
const MAX_CONTINUATIONS = 100;

/** A step this executor holds a lease on and the run as it committed it: ready to run without a lookup. */
interface LeasedStep {
  item: StepWorkItem;
  run: LoadedRun;
  owner: string;
}

/**
 * Run the item's step; then, while its commit scheduled a next step of the same run that is due now,
 * run that one too: the commit leased it to this executor, so it needs neither a queue trip nor a lease
 * call (one round trip to the state per step instead of two). The message stays unacknowledged until
 * the chain ends: after a crash it comes back and its redelivery re-sends the run's pending work.
 */
async function runStep(deps: ExecutorDeps, item: StepWorkItem, delivery: { receiveCount: number }, signal: AbortSignal): Promise<Disposition> {
  const owner = nextOwner(deps);
  const lease = await deps.state.leaseStep({ runId: item.runId, stepId: item.stepId, owner, leaseMs: deps.leaseMs, now: deps.clock.now() });
  if (lease.status === 'missing') {
    deps.logger.warn('work item for a run that no longer exists', { runId: item.runId, stepId: item.stepId });
    return ACK;
  }
  if (lease.status === 'busy') return { kind: 'retry', afterMs: Math.max(100, lease.until - deps.clock.now()) };
  if (!isAttemptOpen(lease.run.doc, item.stepId, item.attempt)) {
    await deps.state.releaseLease(item.runId, item.stepId, owner);
    await recoverLostWork(deps, lease.run, delivery);
    return ACK;
  }
  let next = await runLeasedStep(deps, { item, run: lease.run, owner }, signal);
  for (let continuations = 1; next; continuations += 1) {
    if (signal.aborted || continuations > MAX_CONTINUATIONS) {
      await deps.state.releaseLease(next.item.runId, next.item.stepId, next.owner);
      await enqueueWork(deps, [next.item]);
      break;
    }
    next = await runLeasedStep(deps, next, signal);
  }
  return ACK;
}

/** Each delivery leases as its own owner: two copies of an item in one process must not share a lease. */
function nextOwner(deps: ExecutorDeps): string {
  deliveries += 1;
  return `${deps.owner}/${deliveries}`;
}

/** Run a leased step's attempt and commit its outcome; returns the next step when the commit leased one to us. */
async function runLeasedStep(executor: ExecutorDeps, leased: LeasedStep, signal: AbortSignal): Promise<LeasedStep | undefined> {
  const { item, run, owner } = leased;
  const { runId, stepId, attempt } = item;
  const deps = { ...executor, owner };
  const fn = compileForRun(run);
  const step = fn.steps.get(stepId);
  if (!step) throw new Error(`run ${runId}: function ${fn.id} has no step '${stepId}'`);
  const outcome = await withLeaseRenewal(deps, item, () =>
    runAttempt(deps.drivers[step.runtime.type], {
      input: {
        event: run.doc.event,
        steps: run.outputs,
        async: run.doc.steps[stepId]?.async ?? null,
        ctx: { fn_id: fn.id, step_id: stepId, run_id: runId, attempt },
      },
      runtime: step.runtime,
      timeoutMs: step.timeoutMs,
      signal,
    }),
  );
  const successor = nextOwner(executor);
  let committedFrom = run;
  const committed = await commitTransition(
    deps, runId,
    (current) => {
      committedFrom = current;
      return applyStepOutcome(current, fn, stepId, attempt, outcome, deps.clock.now(), deps.retry);
    },
    {
      loaded: run,
      release: { stepId, owner },
      continueWith: {
        owner: successor,
        leaseMs: deps.leaseMs,
        // Asked after the transition was computed, so a step it scheduled "now" counts as due.
        pick: (items) => {
          const now = deps.clock.now();
          return items.find((candidate): candidate is StepWorkItem => candidate.kind === 'step' && candidate.dueAt <= now);
        },
      },
    },
  );
  if (!committed) {
    await deps.state.releaseLease(runId, stepId, owner);
    return undefined;
  }
  if (!committed.continued) return undefined;
  const after: LoadedRun = {
    doc: committed.doc,
    outputs: { ...committedFrom.outputs, ...committed.outputs },
    // A getter: stores may parse the definition lazily, and a cached compile never reads it.
    get definition() {
      return run.definition;
    },
    leases: {},
  };
  return { item: committed.continued, run: after, owner: successor };
}

async function runAttempt(driver: Driver | undefined, request: Parameters<Driver['run']>[0]): Promise<StepOutcome> {
  if (!driver) {
    return { kind: 'failure', retryable: false, error: `no ${request.runtime.type} driver on this executor: ${request.runtime.type} steps cannot run here` };
  }
  return driver.run(request);
}

/** Keep the lease alive while a long step runs; drop it when the attempt throws so a redelivery can take over at once. */
async function withLeaseRenewal<T>(deps: ExecutorDeps, item: StepWorkItem, work: () => Promise<T>): Promise<T> {
  const renew = setInterval(() => {
    deps.state
      .renewLease({ runId: item.runId, stepId: item.stepId, owner: deps.owner, leaseMs: deps.leaseMs, now: deps.clock.now() })
      .catch((error: unknown) => deps.logger.warn('lease renewal failed', { runId: item.runId, stepId: item.stepId, error: String(error) }));
  }, Math.max(50, deps.leaseMs / 3));
  try {
    return await work();
  } catch (error) {
    await deps.state.releaseLease(item.runId, item.stepId, deps.owner).catch(() => undefined);
    throw error;
  } finally {
    clearInterval(renew);
  }
}

async function fireTimer(deps: ExecutorDeps, item: TimerWorkItem, delivery: { receiveCount: number }): Promise<Disposition> {
  const run = await deps.state.loadRun(item.runId);
  if (!run) return ACK;
  const fn = compileForRun(run);
  const fired = await commitTransition(deps, item.runId, (current) => applyTimer(current, fn, item.timer, deps.clock.now()), { loaded: run });
  if (!fired) await recoverLostWork(deps, run, delivery);
  return ACK;
}

/**
 * A redelivered item that no longer applies may come from a try that committed its transition and
 * then died before its effects went out: send the run's pending work again (duplicates are dropped).
 */
async function recoverLostWork(deps: EngineDeps, run: LoadedRun, delivery: { receiveCount: number }): Promise<void> {
  if (delivery.receiveCount > 1) await enqueueWork(deps, pendingWork(run.doc));
}
