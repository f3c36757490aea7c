import type { StepstackEvent } from '../events/event';
import type { ExpressionVars } from '../expressions/expression';
import { TRIGGER } from '../functions/definition';
import type { CompiledEdge, EdgeRef } from '../functions/compiled';
import type { RunDraft } from './draft';

/** Timer ids, as carried by timer work items and kept in `RunDoc.timers`. */
export const waitTimerId = (ref: EdgeRef): string => `edge:${ref.step}:${ref.edge}`;
export const pauseTimerId = (pauseId: string): string => `pause:${pauseId}`;
export const asyncPauseId = (runId: string, ref: EdgeRef): string => `${runId}/async/${ref.step}/${ref.edge}`;
export const cancelPauseId = (runId: string, rule: number): string => `${runId}/cancel/${rule}`;

export function edgeOf(draft: RunDraft, ref: EdgeRef): CompiledEdge {
  const edge = draft.fn.steps.get(ref.step)?.after[ref.edge];
  if (!edge) throw new Error(`function ${draft.fn.id} has no edge ${ref.step}[${ref.edge}]`);
  return edge;
}

/** The expression variables of a run, with `async` and `response` as given. */
export function runVars(draft: RunDraft, extra: Pick<ExpressionVars, 'async' | 'response'> = {}): ExpressionVars {
  return { event: draft.doc.event, steps: draft.outputs, async: extra.async ?? null, response: extra.response ?? null };
}

/**
 * The parent of the given edges completed (or the run started, for `$trigger`): evaluate each edge's
 * `if` and fire it, start its `wait`, or open its `async` pause.
 */
export function resolveEdgesFrom(draft: RunDraft, parent: string, refs: EdgeRef[]): void {
  const parentAsync = parent === TRIGGER ? null : draft.peek(parent).async;
  const response = parent === TRIGGER ? null : draft.outputs[parent];
  for (const ref of refs) {
    const edge = edgeOf(draft, ref);
    if (edge.if && !edge.if.test(runVars(draft, { async: parentAsync, response }))) {
      setEdge(draft, ref, 'never');
    } else if (edge.waitMs !== undefined) {
      setEdge(draft, ref, 'waiting');
      draft.startTimer(waitTimerId(ref), draft.now + edge.waitMs);
    } else if (edge.async) {
      setEdge(draft, ref, 'waiting');
      const pauseId = asyncPauseId(draft.doc.id, ref);
      const expiresAt = draft.now + edge.async.ttlMs;
      draft.addPause(pauseId, { kind: 'async', event: edge.async.event, step: ref.step, edge: ref.edge, expiresAt });
      draft.startTimer(pauseTimerId(pauseId), expiresAt);
    } else {
      setEdge(draft, ref, 'fired');
    }
  }
}

export function setEdge(draft: RunDraft, ref: EdgeRef, status: 'waiting' | 'fired' | 'never', asyncEvent?: StepstackEvent | null): void {
  const step = draft.step(ref.step);
  step.edges[ref.edge] = status;
  if (asyncEvent) step.async = asyncEvent;
}

/**
 * Walk the steps parents-first: a step whose edges are all resolved is scheduled when one fired and
 * skipped otherwise (which resolves its own edges as never, so skipping propagates in the same pass).
 */
export function settle(draft: RunDraft): void {
  for (const stepId of draft.fn.order) {
    const current = draft.peek(stepId);
    if (current.status !== 'Pending' && current.status !== 'Waiting') continue;
    if (current.edges.some((edge) => edge === 'pending' || edge === 'waiting')) {
      const status = current.edges.includes('waiting') ? 'Waiting' : 'Pending';
      if (current.status !== status) draft.step(stepId).status = status;
      continue;
    }
    if (current.edges.includes('fired')) {
      draft.scheduleStep(stepId, 0, draft.now);
    } else {
      const step = draft.step(stepId);
      step.status = 'Skipped';
      step.endedAt = draft.now;
      for (const child of draft.fn.steps.get(stepId)?.children ?? []) setEdge(draft, child, 'never');
    }
  }
}

/** Complete the run when every step completed or was skipped; its output is the outputs of the steps that ended it. */
export function completeIfDone(draft: RunDraft): void {
  const { doc, fn } = draft;
  if (doc.status !== 'Running') return;
  const steps = Object.entries(doc.steps);
  if (steps.some(([, step]) => step.status !== 'Completed' && step.status !== 'Skipped')) return;
  const output: Record<string, unknown> = {};
  for (const [stepId, step] of steps) {
    if (step.status !== 'Completed') continue;
    const children = fn.steps.get(stepId)?.children ?? [];
    if (!children.some((child) => doc.steps[child.step]?.status === 'Completed')) output[stepId] = draft.outputs[stepId] ?? null;
  }
  endRun(draft, 'Completed');
  doc.output = output;
}

/** End the run: no timer or pause outlives it, and steps that were still to run are cancelled. */
export function endRun(draft: RunDraft, status: 'Completed' | 'Failed' | 'Cancelled', reason?: string): void {
  const { doc } = draft;
  doc.status = status;
  doc.endedAt = draft.now;
  if (reason !== undefined) doc.reason = reason;
  doc.timers = {};
  for (const pauseId of Object.keys(doc.pauses)) draft.removePause(pauseId);
  for (const [stepId, step] of Object.entries(doc.steps)) {
    if (step.status === 'Scheduled' || step.status === 'Waiting') {
      const record = draft.step(stepId);
      record.status = 'Cancelled';
      record.endedAt = draft.now;
    }
  }
}
