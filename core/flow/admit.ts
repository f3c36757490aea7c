import type { StepstackEvent } from '../events/event';
import type { CompiledFunction } from '../functions/compiled';
import type { SkipReason } from '../ports/flow-store';
import { DAY_MS, type EngineDeps } from '../services/deps';
import { enqueueWork } from '../services/work';
import { type CompiledFlow, flowOf } from './compiled-flow';
import { gateKey } from './flow-keys';
import { cancelWithReason, countWait, flowItem, recordSkip } from './flow-work';
import { arrivalOrder, inArrivalOrder } from './keys';

/** What flow control says of an event's run of a function, before it starts. */
export type Admission =
  | { kind: 'start' }
  /** A batch filled up: start one run with all of them, then release the batch (`startBatch`). */
  | { kind: 'batch'; batch: TakenBatch }
  /** Held by a debounce or an open batch: a timer starts it later. */
  | { kind: 'held' }
  | { kind: 'skipped'; reason: SkipReason };

/** A batch taken for its run (kept until released, so that a crash before the run exists loses nothing). */
export interface TakenBatch {
  key: string;
  batchId: string;
  /** In arrival order: the first is the run's `event` (its run id is claimed by it, so starting twice starts one run). */
  events: StepstackEvent[];
  /** Taken before: a run may exist, its work maybe not sent. */
  again: boolean;
}

const START: Admission = { kind: 'start' };
const HELD: Admission = { kind: 'held' };
/** A singleton holder that names a run not yet created is taken to be starting for this long. */
const STARTING_MS = 60_000;
/** Windows and batches are kept this long past their due time, for timers delivered late. */
const HOLD_MARGIN_MS = 60 * 60_000;
/**
 * A taken batch's events answer for it this long (as long as the run id claim of its first event):
 * kept until its run exists, then only its events' ids, so that a redelivered event of it starts nothing new.
 */
export const TAKEN_BATCH_MS = DAY_MS;

/**
 * The gates of SPEC section 3 that decide whether (and when) an event starts a run: debounce and
 * batches hold it, rateLimit, idempotency and singleton may skip it (the skip is recorded), a
 * singleton in `cancel` mode ends the run it replaces. Each gate is idempotent for a redelivered event.
 * `debounced`: the event comes out of its debounce window (the debounce gate is passed).
 */
export async function admitRun(deps: EngineDeps, fn: CompiledFunction, event: StepstackEvent, options: { debounced?: boolean } = {}): Promise<Admission> {
  const flow = flowOf(fn);
  if (!flow.gatesStart) return START;
  if (flow.batch) return batchUp(deps, fn, flow.batch, event);
  if (flow.debounce && !options.debounced) return debounce(deps, fn, flow.debounce, event);
  if (flow.rateLimit) {
    const { limit, periodMs, key } = flow.rateLimit;
    const allowed = await deps.state.flow.rateLimit(gateKey('rl', fn, key, event), { member: event.id, limit, periodMs, now: deps.clock.now() });
    if (!allowed) return skip(deps, fn, event, 'rate_limited');
  }
  if (flow.idempotency) {
    const holder = await deps.state.claimKey(gateKey('idem', fn, flow.idempotency, event), event.id, DAY_MS);
    if (holder !== event.id) return skip(deps, fn, event, 'idempotent');
  }
  if (flow.singleton) return singleton(deps, fn, flow.singleton, event);
  return START;
}

async function skip(deps: EngineDeps, fn: CompiledFunction, event: StepstackEvent, reason: SkipReason): Promise<Admission> {
  await recordSkip(deps, fn.id, event, reason);
  return { kind: 'skipped', reason };
}

async function debounce(deps: EngineDeps, fn: CompiledFunction, settings: NonNullable<CompiledFlow['debounce']>, event: StepstackEvent): Promise<Admission> {
  const now = deps.clock.now();
  const key = gateKey('db', fn, settings.key, event);
  const ttlMs = Math.max(settings.periodMs, settings.timeoutMs ?? 0) + HOLD_MARGIN_MS;
  // The last event wins by arrival at the Event API, whatever order the event stream delivers them in.
  const { dueAt, pending, replaced } = await deps.state.flow.debounce(key, {
    event, order: arrivalOrder(event), now, periodMs: settings.periodMs, ttlMs, ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
  });
  // The timer first, then the skip: a crash in between leaves a skip unrecorded, never a window without its timer.
  await enqueueWork(deps, [flowItem({ action: 'debounce', runId: '', functionId: fn.id, key, eventId: pending, dueAt })]);
  if (replaced) await recordSkip(deps, fn.id, { id: replaced }, 'debounced');
  countWait(deps, fn.id, 'debounce');
  return HELD;
}

async function batchUp(deps: EngineDeps, fn: CompiledFunction, settings: NonNullable<CompiledFlow['batch']>, event: StepstackEvent): Promise<Admission> {
  const now = deps.clock.now();
  const key = gateKey('bt', fn, settings.key, event);
  const added = await deps.state.flow.addToBatch(key, {
    event, batchId: deps.newId(now), maxSize: settings.maxSize, ttlMs: settings.timeoutMs + HOLD_MARGIN_MS, keepMs: TAKEN_BATCH_MS, now,
  });
  if (added.full) return { kind: 'batch', batch: { key, batchId: added.batchId, events: inArrivalOrder(added.full), again: added.again === true } };
  // Its batch's run exists already (this is a redelivery): nothing left to do.
  if (added.started) return HELD;
  if (added.opened) {
    await enqueueWork(deps, [flowItem({ action: 'batch', runId: '', functionId: fn.id, key, batchId: added.batchId, dueAt: now + settings.timeoutMs })]);
  }
  countWait(deps, fn.id, 'batch');
  return HELD;
}

/**
 * At most one run per key at a time. The run id is claimed first (the same claim startRunFor makes),
 * so that a redelivered event finds itself the holder; the holder changes by compare-and-set.
 */
async function singleton(deps: EngineDeps, fn: CompiledFunction, settings: NonNullable<CompiledFlow['singleton']>, event: StepstackEvent): Promise<Admission> {
  const now = deps.clock.now();
  const key = gateKey('sg', fn, settings.key, event);
  const runId = await deps.state.claimRun({ eventId: event.id, key: `run:${fn.id}:${event.id}`, runId: deps.newId(now), ttlMs: DAY_MS, linkTtlMs: deps.retentionMs });
  for (let tries = 0; tries < 5; tries += 1) {
    const holder = await deps.state.flow.singletonHolder(key);
    if (holder?.runId === runId) return START;
    if (holder && (await stillRunning(deps, holder, now))) {
      if (settings.mode === 'skip') return skip(deps, fn, event, 'singleton');
      await cancelWithReason(deps, { id: holder.runId, functionId: fn.id }, `singleton: cancelled for the run of event ${event.id}, which has the same key`);
    }
    if (await deps.state.flow.swapSingleton(key, { expected: holder?.runId, runId, now, ttlMs: deps.retentionMs })) return START;
  }
  // Others kept taking the key: one of theirs runs.
  return skip(deps, fn, event, 'singleton');
}

async function stillRunning(deps: EngineDeps, holder: { runId: string; since: number }, now: number): Promise<boolean> {
  const run = await deps.state.loadRun(holder.runId);
  if (!run) return now - holder.since < STARTING_MS;
  return run.status === 'Running';
}
