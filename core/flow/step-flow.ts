import { errorMessage } from '../errors';
import type { StepstackEvent } from '../events/event';
import type { CompiledFunction } from '../functions/compiled';
import type { StepWorkItem } from '../run/work-item';
import type { EngineDeps } from '../services/deps';
import { enqueueWork } from '../services/work';
import { flowOf } from './compiled-flow';
import { type SlotKey, slotKeysOf } from './flow-keys';
import { countWait, flowItem, sendWoken } from './flow-work';
import { priorityMs } from './keys';

/** The answer of `underFlowControl` when the step must wait for a slot: it was parked, its lease is to be released. */
export const PARKED = Symbol('parked');

export interface FlowStep {
  fn: CompiledFunction;
  item: StepWorkItem;
  event: StepstackEvent;
  /** The lease owner: the slot's holder. */
  owner: string;
}

type StepDeps = EngineDeps & { leaseMs: number };

/** A waiter's id: one per attempt, so that redelivered copies park once. */
const waiterOf = (item: StepWorkItem): string => `${item.runId}:${item.stepId}:${item.attempt}`;

/** Whether the function's steps run under flow control at all (see underFlowControl). */
export function hasStepFlowControl(fn: CompiledFunction): boolean {
  const flow = flowOf(fn);
  return flow.concurrency.length > 0 || flow.timeouts !== undefined || flow.batch !== undefined;
}

/**
 * Run a leased step under its function's flow control: take a slot of every concurrency key it
 * must fit (or park it, to be woken when a slot frees), mark the run's first step start (its
 * finish timeout counts from there), hand it the run's events (a batch), and give the slots back
 * when it ends. A slot lapses with the step's lease unless renewed, so a dead executor's slots come
 * back (docs/decisions/004).
 */
export async function underFlowControl<T>(
  deps: StepDeps, step: FlowStep, run: (events: StepstackEvent[] | undefined) => Promise<T>, nextOwner?: (result: T) => string | undefined,
): Promise<T | typeof PARKED> {
  if (!hasStepFlowControl(step.fn)) return run(undefined);
  const flow = flowOf(step.fn);
  const keys = slotKeysOf(step.fn, step.event);
  // The step before it in a chain handed its slots on.
  const held: SlotKey[] = carried.delete(step.owner) ? [...keys] : [];
  for (const slot of keys) {
    if (held.includes(slot)) continue;
    if (await takeSlot(deps, step, slot, keys)) {
      held.push(slot);
      continue;
    }
    countWait(deps, step.fn.id, 'concurrency');
    await Promise.all(keys.filter((other) => other !== slot).map((other) => giveBack(deps, step, other)));
    return PARKED;
  }
  const renewal = held.length === 0 ? undefined : setInterval(() => renew(deps, step, held), Math.max(20, deps.leaseMs / 3));
  let next: string | undefined;
  try {
    if (flow.timeouts) await markStarted(deps, step, flow.timeouts.finishMs);
    const events = flow.batch ? await deps.state.flow.runEvents(step.item.runId) : undefined;
    const result = await run(events);
    next = nextOwner?.(result);
    return result;
  } finally {
    clearInterval(renewal);
    if (next !== undefined && held.length > 0) await handOn(deps, step, held, next);
    else await Promise.all(held.map((slot) => giveBack(deps, step, slot)));
  }
}

/** Owners (leases of a chain's next steps) holding the slots their step before them handed on. */
const carried = new Set<string>();

/**
 * The commit leased the chain's next step to `next`: it keeps the slots when nobody waits for them
 * (one call instead of a release and an acquire); otherwise they go to the waiters, and the next
 * step queues behind them (FIFO).
 */
async function handOn(deps: StepDeps, step: FlowStep, held: SlotKey[], next: string): Promise<void> {
  const now = deps.clock.now();
  const passed = await Promise.all(held.map(async (slot) => {
    const answer = await deps.state.flow.passSlot({ ...slot, from: step.owner, to: next, until: now + deps.leaseMs, now, reserveMs: deps.leaseMs });
    if (!answer.kept) await sendWoken(deps, answer.woken);
    return { slot, kept: answer.kept };
  }));
  if (passed.every((pass) => pass.kept)) {
    carried.add(next);
    return;
  }
  await Promise.all(passed.filter((pass) => pass.kept).map((pass) => giveBack(deps, { ...step, owner: next }, pass.slot)));
}

/** A chain stopped before its next step ran (the executor drains, or the chain went on long enough): give back what was handed on. */
export async function releaseCarried(deps: StepDeps, step: FlowStep): Promise<void> {
  if (!carried.delete(step.owner)) return;
  await Promise.all(slotKeysOf(step.fn, step.event).map((slot) => giveBack(deps, step, slot)));
}

/** A step woken for a slot that cannot run (its attempt closed, its run ended): give back the slots reserved for it. */
export async function releaseReservations(deps: StepDeps, item: StepWorkItem, owner: string): Promise<void> {
  if (!item.slots) return;
  await Promise.all(item.slots.map(async (slot) => {
    const woken = await deps.state.flow.releaseSlot({ ...slot, holder: owner, waiterId: waiterOf(item), now: deps.clock.now(), reserveMs: deps.leaseMs });
    await sendWoken(deps, woken);
  }));
}

async function takeSlot(deps: StepDeps, step: FlowStep, slot: SlotKey, keys: SlotKey[]): Promise<boolean> {
  const now = deps.clock.now();
  const flow = flowOf(step.fn);
  const { slots: _, ...item } = step.item;
  const answer = await deps.state.flow.acquireSlot({
    ...slot, holder: step.owner, until: now + deps.leaseMs, now, reserveMs: deps.leaseMs,
    // Priority: queued as if it had come that much earlier (SPEC section 3).
    waiter: { id: waiterOf(step.item), score: step.item.dueAt - priorityMs(flow.priority, step.event), body: JSON.stringify({ ...item, slots: keys }) },
  });
  await sendWoken(deps, answer.woken);
  if (answer.outcome === 'parked' && answer.guardAt !== undefined) {
    // One timer per key with waiters: if a holder dies, its slot lapses then and this wakes the next.
    await enqueueWork(deps, [flowItem({ action: 'wake', runId: '', functionId: step.fn.id, key: slot.key, limit: slot.limit, dueAt: answer.guardAt + 1 })]);
  }
  return answer.outcome === 'acquired';
}

async function giveBack(deps: StepDeps, step: FlowStep, slot: SlotKey): Promise<void> {
  const woken = await deps.state.flow.releaseSlot({ ...slot, holder: step.owner, waiterId: waiterOf(step.item), now: deps.clock.now(), reserveMs: deps.leaseMs });
  await sendWoken(deps, woken);
}

function renew(deps: StepDeps, step: FlowStep, held: SlotKey[]): void {
  const until = deps.clock.now() + deps.leaseMs;
  for (const slot of held) {
    deps.state.flow.renewSlot(slot.key, step.owner, until).catch((error: unknown) => {
      deps.logger.warn('concurrency slot renewal failed', { runId: step.item.runId, key: slot.key, error: errorMessage(error) });
    });
  }
}

/**
 * The run's first step starts: claimed once per run (the start timeout claims the same mark when it
 * fires first); the first claimant arms the finish timeout.
 */
async function markStarted(deps: StepDeps, step: FlowStep, finishMs: number | undefined): Promise<void> {
  const now = deps.clock.now();
  const mark = String(now);
  const first = await deps.state.claimKey(startedKey(step.item.runId), mark, deps.retentionMs);
  if (first !== mark || finishMs === undefined) return;
  await enqueueWork(deps, [flowItem({ action: 'timeout', timeout: 'finish', runId: step.item.runId, functionId: step.fn.id, dueAt: now + finishMs })]);
}

/** The claim that marks a run's first step start (or, as `never`, its start timeout). */
export const startedKey = (runId: string): string => `started:${runId}`;
