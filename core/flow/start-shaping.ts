import type { StepstackEvent } from '../events/event';
import type { CompiledFunction } from '../functions/compiled';
import type { FlowWorkItem, WorkItem } from '../run/work-item';
import { DAY_MS, type EngineDeps } from '../services/deps';
import { enqueueWork } from '../services/work';
import type { ThrottleWake } from '../ports/flow-store';
import { type CompiledFlow, flowOf } from './compiled-flow';
import { gateKey } from './flow-keys';
import { countWait, flowItem } from './flow-work';
import { priorityMs } from './keys';

/** Added to each throttle interval (at most a tenth of it): starts are seen later than scheduled by up to a few tens of ms. */
const THROTTLE_MARGIN_MS = 20;
/**
 * A waiting start is released this long before its turn, with its start time: a queue may deliver the
 * throttle's timer late by up to a second (SQS delays are whole seconds), which would otherwise slow
 * every start after it. Priority orders what is not yet released.
 */
export const THROTTLE_LEAD_MS = 1000;

/**
 * A run was just created: hold its first work back until its throttle lets it start (GCRA: from idle
 * `burst + 1` at once, then one per `period / limit`; those over it wait in a line ordered by arrival,
 * moved ahead by priority, and are released by the key's timer), and arm its start timeout, which
 * counts from the event (SPEC section 3). Returns the work to send now.
 */
export async function shapeStart(deps: EngineDeps, fn: CompiledFunction, event: StepstackEvent, runId: string, items: WorkItem[]): Promise<WorkItem[]> {
  const flow = flowOf(fn);
  if (!flow.throttle && flow.timeouts?.startMs === undefined) return items;
  const now = deps.clock.now();
  let shaped = items;
  if (flow.throttle) {
    const request = { ...throttleOf(fn, flow.throttle, event), now };
    // Priority: in line as if it had come that much earlier (SPEC section 3).
    const { startAt, wakeAt } = await deps.state.flow.throttleStart({ ...request, waiter: { id: runId, score: now - priorityMs(flow.priority, event), body: JSON.stringify(items) } });
    if (startAt === undefined || startAt > now) countWait(deps, fn.id, 'throttle');
    shaped = [...(startAt === undefined ? [] : startingAt(items, startAt)), ...throttleTimer(fn.id, request, wakeAt)];
  }
  const startMs = flow.timeouts?.startMs;
  if (startMs !== undefined) {
    // From the event's time; a time set by the sender counts only within the last day (a stale or
    // made-up `ts` must not cancel the run at once).
    const from = typeof event.ts === 'number' && event.ts <= now && event.ts >= now - DAY_MS ? event.ts : now;
    shaped = [...shaped, flowItem({ action: 'timeout', timeout: 'start', runId, functionId: fn.id, dueAt: from + startMs })];
  }
  return shaped;
}

/**
 * A redelivered event found its run created: true while the run still waits in its throttle's line,
 * whose work must then not be sent past it (the line releases it). The line's timer is sent again:
 * the try that parked the run may have died before sending it (a twin timer stops at once).
 */
export async function stillThrottled(deps: EngineDeps, fn: CompiledFunction, event: StepstackEvent, runId: string): Promise<boolean> {
  const flow = flowOf(fn);
  if (!flow.throttle) return false;
  const request = throttleOf(fn, flow.throttle, event);
  const { waiting, wakeAt } = await deps.state.flow.throttleWaiter({ ...request, now: deps.clock.now(), waiterId: runId });
  await enqueueWork(deps, throttleTimer(fn.id, request, wakeAt));
  return waiting;
}

/** The GCRA settings of a function's throttle, for the key of `event`. */
function throttleOf(fn: CompiledFunction, throttle: NonNullable<CompiledFlow['throttle']>, event: StepstackEvent): Omit<ThrottleWake, 'now'> {
  const { limit, periodMs, burst } = throttle;
  const key = gateKey('th', fn, throttle.key, event);
  // Rounded up, plus a margin for delivery jitter: a start that comes late (a busy executor) and the
  // one scheduled a period later must still not fall in one half-open period, as seen by the step.
  const emissionMs = Math.ceil(periodMs / limit) + Math.min(THROTTLE_MARGIN_MS, Math.ceil(periodMs / limit / 10));
  return { key, emissionMs, toleranceMs: burst * emissionMs, leadMs: THROTTLE_LEAD_MS };
}

/** Release the starts a throttle's line lets go now (each run's first work, due at its start time), and re-arm its timer. */
export async function wakeThrottled(deps: EngineDeps, item: FlowWorkItem, again: boolean): Promise<void> {
  const request = { key: item.key ?? '', now: deps.clock.now(), emissionMs: item.emissionMs ?? 0, toleranceMs: item.toleranceMs ?? 0, leadMs: THROTTLE_LEAD_MS };
  const { released, wakeAt } = await deps.state.flow.wakeThrottle({ ...request, at: item.dueAt, again });
  const starts = released.flatMap(({ body, startAt }) => startingAt(JSON.parse(body) as WorkItem[], startAt));
  await enqueueWork(deps, [...starts, ...throttleTimer(item.functionId, request, wakeAt)]);
}

function throttleTimer(functionId: string, request: Omit<ThrottleWake, 'now'>, wakeAt: number | undefined): FlowWorkItem[] {
  const { key, emissionMs, toleranceMs } = request;
  return wakeAt === undefined ? [] : [flowItem({ action: 'throttle', runId: '', functionId, key, emissionMs, toleranceMs, dueAt: wakeAt })];
}

const startingAt = (items: WorkItem[], startAt: number): WorkItem[] => items.map((item) => ({ ...item, dueAt: Math.max(item.dueAt, startAt) }));
