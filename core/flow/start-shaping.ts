import type { StepstackEvent } from '../events/event';
import type { CompiledFunction } from '../functions/compiled';
import type { WorkItem } from '../run/work-item';
import type { EngineDeps } from '../services/deps';
import { flowOf } from './compiled-flow';
import { gateKey } from './flow-keys';
import { countWait, flowItem } from './flow-work';

/** Added to each throttle interval (at most a tenth of it): starts are seen later than scheduled by up to a few tens of ms. */
const THROTTLE_MARGIN_MS = 20;

/**
 * A run was just created: hold its first work back until its throttle lets it start (GCRA: from idle
 * `burst + 1` at once, then one per `period / limit`, in order), and arm its start timeout, which
 * counts from the event (SPEC section 3). Returns the work to send.
 */
export async function shapeStart(deps: EngineDeps, fn: CompiledFunction, event: StepstackEvent, runId: string, items: WorkItem[]): Promise<WorkItem[]> {
  const flow = flowOf(fn);
  if (!flow.throttle && flow.timeouts?.startMs === undefined) return items;
  const now = deps.clock.now();
  let shaped = items;
  if (flow.throttle) {
    const { limit, periodMs, burst, key } = flow.throttle;
    // Rounded up, plus a margin for delivery jitter: a start that comes late (a busy executor) and the
    // one scheduled a period later must still not fall in one half-open period, as seen by the step.
    const emissionMs = Math.ceil(periodMs / limit) + Math.min(THROTTLE_MARGIN_MS, Math.ceil(periodMs / limit / 10));
    const startAt = await deps.state.flow.throttle(gateKey('th', fn, key, event), { now, emissionMs, toleranceMs: burst * emissionMs });
    if (startAt > now) {
      countWait(deps, fn.id, 'throttle');
      shaped = items.map((item) => ({ ...item, dueAt: Math.max(item.dueAt, startAt) }));
    }
  }
  const startMs = flow.timeouts?.startMs;
  if (startMs !== undefined) {
    const from = Math.min(typeof event.ts === 'number' ? event.ts : now, now);
    shaped = [...shaped, flowItem({ action: 'timeout', timeout: 'start', runId, functionId: fn.id, dueAt: from + startMs })];
  }
  return shaped;
}
