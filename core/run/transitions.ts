import type { StepstackEvent } from '../events/event';
import type { CompiledFunction } from '../functions/compiled';
import { TRIGGER } from '../functions/definition';
import type { StepOutcome } from '../ports/driver';
import { type RetrySettings, retryDelayMs } from './backoff';
import { RunDraft } from './draft';
import type { Effects } from './effects';
import {
  cancelPauseId, completeIfDone, edgeOf, endRun, pauseTimerId, resolveEdgesFrom, runVars, setEdge, settle,
} from './graph';
import type { RunDoc, RunSnapshot, StepRecord } from './run';

/** A committed-to-be change of a run: the next document (version + 1), the outputs it adds, its effects. */
export interface Transition {
  doc: RunDoc;
  outputs: Record<string, unknown>;
  effects: Effects;
}

function done(draft: RunDraft): Transition {
  return { doc: draft.doc, outputs: draft.newOutputs, effects: draft.effects };
}

/** A new run of `fn` for `event`: arms cancel rules and resolves the edges that leave `$trigger`. */
export function startRun(fn: CompiledFunction, event: StepstackEvent, runId: string, now: number): Transition {
  const steps: Record<string, StepRecord> = {};
  for (const [stepId, step] of fn.steps) {
    steps[stepId] = { status: 'Pending', attempt: 0, attempts: 0, errors: [], edges: step.after.map(() => 'pending'), async: null };
  }
  const empty: RunDoc = {
    id: runId, functionId: fn.id, functionHash: fn.hash, eventId: event.id, event, status: 'Running',
    startedAt: now, version: 0, steps, pauses: {}, timers: {}, output: null,
  };
  const draft = new RunDraft({ doc: empty, outputs: {} }, fn, now);
  fn.cancel.forEach((rule, index) => {
    const expiresAt = now + (rule.timeoutMs ?? Number.MAX_SAFE_INTEGER - now);
    draft.addPause(cancelPauseId(runId, index), { kind: 'cancel', event: rule.event, rule: index, expiresAt });
  });
  resolveEdgesFrom(draft, TRIGGER, fn.triggerEdges);
  settle(draft);
  completeIfDone(draft);
  return done(draft);
}

/**
 * The outcome of an attempt of a step. undefined when it no longer applies (the run ended, or that
 * attempt was already settled by an earlier delivery): the caller then only acknowledges.
 */
export function applyStepOutcome(
  snapshot: RunSnapshot, fn: CompiledFunction, stepId: string, attempt: number, outcome: StepOutcome,
  now: number, retry: RetrySettings,
): Transition | undefined {
  if (!isAttemptOpen(snapshot.doc, stepId, attempt)) return undefined;
  const draft = new RunDraft(snapshot, fn, now);
  const step = draft.step(stepId);
  step.attempts += 1;
  if (outcome.kind === 'success') {
    draft.saveOutput(stepId, outcome.output);
    step.status = 'Completed';
    step.endedAt = now;
    delete step.dueAt;
    resolveEdgesFrom(draft, stepId, fn.steps.get(stepId)?.children ?? []);
    settle(draft);
    completeIfDone(draft);
    return done(draft);
  }
  step.errors.push({ attempt, message: outcome.error, ...(outcome.output === undefined ? {} : { output: outcome.output }), at: now });
  const retries = fn.steps.get(stepId)?.retries ?? 0;
  if (outcome.retryable && attempt < retries) {
    draft.scheduleStep(stepId, attempt + 1, now + retryDelayMs(attempt + 1, retry));
    return done(draft);
  }
  step.status = 'Failed';
  step.endedAt = now;
  endRun(draft, 'Failed', `step '${stepId}' failed after ${step.attempts} attempt(s): ${outcome.error}`);
  return done(draft);
}

/** True while `attempt` of the step is the one the run is waiting for. */
export function isAttemptOpen(doc: RunDoc, stepId: string, attempt: number): boolean {
  const step = doc.steps[stepId];
  return doc.status === 'Running' && step?.status === 'Scheduled' && step.attempt === attempt;
}

/** A timer of the run came due: an edge's `wait` ended, or a pause's ttl ran out. */
export function applyTimer(snapshot: RunSnapshot, fn: CompiledFunction, timer: string, now: number): Transition | undefined {
  if (snapshot.doc.status !== 'Running' || !(timer in snapshot.doc.timers)) return undefined;
  const draft = new RunDraft(snapshot, fn, now);
  draft.takeTimer(timer);
  const [kind, ...rest] = timer.split(':');
  if (kind === 'edge') {
    const [step, edge] = [rest.slice(0, -1).join(':'), Number(rest.at(-1))];
    setEdge(draft, { step, edge }, 'fired');
  } else if (kind === 'pause') {
    const pauseId = rest.join(':');
    const pause = draft.doc.pauses[pauseId];
    if (pause?.kind === 'async' && pause.step !== undefined && pause.edge !== undefined) {
      const ref = { step: pause.step, edge: pause.edge };
      draft.removePause(pauseId);
      setEdge(draft, ref, edgeOf(draft, ref).async?.onTimeout ? 'fired' : 'never');
    }
  }
  settle(draft);
  completeIfDone(draft);
  return done(draft);
}

/**
 * An event arrived that a pause of this run waits for. Resumes the async edge, or cancels the run,
 * when the pause still holds and its expression matches; undefined otherwise.
 */
export function applyPauseEvent(
  snapshot: RunSnapshot, fn: CompiledFunction, pauseId: string, event: StepstackEvent, now: number,
): Transition | undefined {
  const pause = snapshot.doc.pauses[pauseId];
  if (snapshot.doc.status !== 'Running' || !pause || pause.expiresAt <= now || pause.event !== event.name) return undefined;
  const draft = new RunDraft(snapshot, fn, now);
  if (pause.kind === 'cancel') {
    const rule = fn.cancel[pause.rule ?? -1];
    if (rule?.if && !rule.if.test(runVars(draft, { async: event }))) return undefined;
    endRun(draft, 'Cancelled', `cancelled by event '${event.name}' (${event.id})`);
    return done(draft);
  }
  if (pause.step === undefined || pause.edge === undefined) return undefined;
  const ref = { step: pause.step, edge: pause.edge };
  const match = edgeOf(draft, ref).async?.match;
  if (match && !match.test(runVars(draft, { async: event }))) return undefined;
  draft.removePause(pauseId);
  draft.takeTimer(pauseTimerId(pauseId));
  setEdge(draft, ref, 'fired', event);
  settle(draft);
  completeIfDone(draft);
  return done(draft);
}

/** Cancel the run (by the API); undefined when it already ended. */
export function cancelRun(snapshot: RunSnapshot, fn: CompiledFunction, reason: string, now: number): Transition | undefined {
  if (snapshot.doc.status !== 'Running') return undefined;
  const draft = new RunDraft(snapshot, fn, now);
  endRun(draft, 'Cancelled', reason);
  return done(draft);
}

/** Fail the run for a fault of the platform (a dead-lettered work item); undefined when it already ended. */
export function failRun(snapshot: RunSnapshot, fn: CompiledFunction, reason: string, now: number): Transition | undefined {
  if (snapshot.doc.status !== 'Running') return undefined;
  const draft = new RunDraft(snapshot, fn, now);
  endRun(draft, 'Failed', reason);
  return done(draft);
}

/** Every work item the run's state implies: re-sent after a crash may have lost them (duplicates are harmless). */
export function pendingWork(doc: RunDoc): Transition['effects']['enqueue'] {
  if (doc.status !== 'Running') return [];
  const items: Transition['effects']['enqueue'] = [];
  for (const [stepId, step] of Object.entries(doc.steps)) {
    if (step.status === 'Scheduled') {
      items.push({ kind: 'step', runId: doc.id, functionId: doc.functionId, stepId, attempt: step.attempt, dueAt: step.dueAt ?? 0 });
    }
  }
  for (const [timer, dueAt] of Object.entries(doc.timers)) {
    items.push({ kind: 'timer', runId: doc.id, functionId: doc.functionId, timer, dueAt });
  }
  return items;
}

