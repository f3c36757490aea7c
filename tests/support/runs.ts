import type { StepstackEvent } from '../../core/events/event';
import { compileFunction } from '../../core/functions/compile';
import type { FunctionDefinition } from '../../core/functions/definition';
import type { AttemptCommit, CommitResult, NewRun } from '../../core/ports/run-store';
import type { StateStore } from '../../core/ports/state';
import { planAttempt } from '../../core/run/attempt';
import { defaultRetrySettings } from '../../core/run/backoff';
import { planStart, topologyOf } from '../../core/run/plan';

let runNumber = 0;

/** A unique event named `name`. */
export function testEvent(data: Record<string, unknown> = { plan: 'pro' }, name = 'test/started'): StepstackEvent {
  runNumber += 1;
  return { name, data, id: `event-${runNumber}-${Math.random().toString(36).slice(2)}`, ts: 1_700_000_000_000 };
}

/** A run as the runner creates it, planned by the engine itself. */
export function plannedRun(definition: FunctionDefinition, now: number, options: { id?: string; event?: StepstackEvent } = {}): NewRun {
  const fn = compileFunction(definition);
  runNumber += 1;
  const id = options.id ?? `run-${runNumber}-${Math.random().toString(36).slice(2)}`;
  const trigger = options.event ?? testEvent({}, definition.triggers.flatMap((t) => ('event' in t ? [t.event] : []))[0] ?? 'test/started');
  const planned = planStart(fn, trigger, id, now, 600_000);
  return { id, functionId: fn.id, functionHash: fn.hash, definition, event: trigger, now, topology: topologyOf(fn), changes: planned.changes };
}

/** Complete an attempt as the executor does (the commit's guard is the attempt; no lease needed). */
export function completeStep(store: StateStore, run: NewRun, stepId: string, now: number, output: unknown = { ok: stepId }, attempt = 0): Promise<CommitResult> {
  return store.commitAttempt(completionOf(run, stepId, now, output, attempt));
}

/** The commit of a successful attempt, as the executor plans it. */
export function completionOf(run: NewRun, stepId: string, now: number, output: unknown = { ok: stepId }, attempt = 0): AttemptCommit {
  const fn = compileFunction(run.definition);
  const { commit } = planAttempt(fn, stepId, attempt, { kind: 'success', output }, {
    runId: run.id, event: run.event, steps: {}, async: null, attempts: attempt, errors: [], now, retry: defaultRetrySettings,
  });
  return commit;
}
