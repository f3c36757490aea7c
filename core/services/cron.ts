import { CronExpressionParser } from 'cron-parser';
import { CRON_EVENT_NAME, type StepstackEvent } from '../events/event';
import type { CompiledFunction } from '../functions/compiled';
import type { FunctionDefinition } from '../functions/definition';
import type { IdempotencyStore } from '../ports/state';
import type { EngineDeps } from './deps';
import { eventKept } from './run-changes';
import { startAdmitted } from './runner';

/** A tick that fell while no runner was up still runs when one is back, if it is at most this old (SPEC section 5). */
export const CRON_CATCH_UP_MS = 10 * 60 * 1000;

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

const sinceKey = (functionId: string, cron: string): string => `cron-since:${functionId}:${cron}`;

/**
 * Note when a function's cron triggers were registered, so that no tick from before then runs. The
 * first note wins (a later registration of the same trigger keeps it). Where registration is not
 * noted, the first time the cron service sees the trigger stands for it.
 */
export async function noteCronRegistration(state: IdempotencyStore, definition: FunctionDefinition, atMs: number, ttlMs: number): Promise<void> {
  for (const trigger of definition.triggers) {
    if ('cron' in trigger && typeof trigger.cron === 'string') await state.claimKey(sinceKey(definition.id, trigger.cron), String(atMs), ttlMs);
  }
}

/**
 * Start one run per function per cron tick in (fromMs, toMs], but none older than CRON_CATCH_UP_MS
 * and none from before the trigger was registered. Safe to call from several runner processes at
 * once, and for overlapping windows: each tick's event id is claimed once.
 */
export async function fireCronTicks(deps: EngineDeps, functions: CompiledFunction[], fromMs: number, toMs: number): Promise<void> {
  for (const fn of functions) {
    for (const { cron } of fn.cronTriggers) {
      const registeredAt = Number(await deps.state.claimKey(sinceKey(fn.id, cron), String(toMs), deps.retentionMs));
      const from = Math.max(fromMs, toMs - CRON_CATCH_UP_MS, Number.isFinite(registeredAt) ? registeredAt : toMs);
      if (from >= toMs) continue;
      for (const tick of cronTicks(cron, from, toMs)) {
        const eventId = await deps.state.claimKey(`cron:${fn.id}:${cron}:${tick}`, deps.newId(tick), deps.retentionMs);
        const event: StepstackEvent = { name: CRON_EVENT_NAME, data: { cron, function_id: fn.id }, id: eventId, ts: tick };
        await deps.state.saveEvent(event, deps.retentionMs);
        await eventKept(deps, event);
        // Flow control applies to ticks too (a singleton keeps cron runs from overlapping).
        await startAdmitted(deps, fn, event, { redelivered: true });
      }
    }
  }
}
