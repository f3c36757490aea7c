import { CronExpressionParser } from 'cron-parser';
import { CRON_EVENT_NAME, type StepstackEvent } from '../events/event';
import type { CompiledFunction } from '../functions/compiled';
import type { EngineDeps } from './deps';
import { startRunFor } from './runner';

/** Cron ticks of `expression` in the window (fromMs, toMs], UTC. */
export function cronTicks(expression: string, fromMs: number, toMs: number): number[] {
  const schedule = CronExpressionParser.parse(expression, { currentDate: new Date(fromMs), endDate: new Date(toMs), tz: 'UTC' });
  const ticks: number[] = [];
  while (schedule.hasNext()) {
    const tick = schedule.next().getTime();
    if (tick > toMs) break;
    ticks.push(tick);
  }
  return ticks;
}

/**
 * Start one run per function per cron tick in (fromMs, toMs]. Safe to call from several runner
 * processes at once, and for overlapping windows: each tick's event id is claimed once.
 */
export async function fireCronTicks(deps: EngineDeps, functions: CompiledFunction[], fromMs: number, toMs: number): Promise<void> {
  for (const fn of functions) {
    for (const { cron } of fn.cronTriggers) {
      for (const tick of cronTicks(cron, fromMs, toMs)) {
        const eventId = await deps.state.claimKey(`cron:${fn.id}:${cron}:${tick}`, deps.newId(tick), deps.retentionMs);
        const event: StepstackEvent = { name: CRON_EVENT_NAME, data: { cron, function_id: fn.id }, id: eventId, ts: tick };
        await deps.state.saveEvent(event, deps.retentionMs);
        await startRunFor(deps, fn, event, { redelivered: true });
      }
    }
  }
}
