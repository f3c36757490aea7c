import type { StepstackEvent } from '../events/event';
import type { Expression } from '../expressions/expression';
import { planPauseMatch } from '../expressions/pause-match';
import type { CompiledFunction } from '../functions/compiled';
import type { IndexedPause } from '../ports/pause-index';
import type { EdgeAddress, GraphChanges, PausePlan, StepTopology } from '../ports/run-store';
import { asyncPauseId, cancelPauseId, pauseTimerId, waitTimerId } from './ids';

/** Graph changes to commit, and the pauses to index before the commit (a stale entry is harmless, a missing one strands the run). */
export interface PlannedChanges {
  changes: GraphChanges;
  index: IndexedPause[];
}

/** What the edges leaving a step (or `$trigger`) are evaluated against. */
export interface EdgeContext {
  runId: string;
  now: number;
  event: StepstackEvent;
  /** Outputs the parent read; its own (`response`) is added to them when `parent` is set. */
  steps: Record<string, unknown>;
  /** The step whose edges these are, when not `$trigger`. */
  parent?: string;
  /** The parent's `async` input. */
  parentAsync: StepstackEvent | null;
  /** The parent's output. */
  response: unknown;
  /** The run's events when it has a batch. */
  events?: StepstackEvent[];
}

export const emptyChanges = (): PlannedChanges => ({ changes: { edges: [], timers: [], pauses: [] }, index: [] });

/**
 * The parent of `refs` completed (or the run started, for `$trigger`): each edge fires, never fires
 * (its `if` is false), or waits (a `wait` timer, an `async` pause with its ttl timer).
 */
export function planEdgesFrom(fn: CompiledFunction, refs: EdgeAddress[], context: EdgeContext): PlannedChanges {
  const planned = emptyChanges();
  const { changes } = planned;
  // What expressions see, made on first use: in a chain, copying the outputs grows with the step's depth.
  let vars: ExpressionVars | undefined;
  for (const ref of refs) {
    const edge = fn.steps.get(ref.step)?.after[ref.edge];
    if (!edge) throw new Error(`function ${fn.id} has no edge ${ref.step}[${ref.edge}]`);
    const { step, edge: index } = ref;
    if (edge.if && !edge.if.test(vars ??= expressionVars(context))) {
      changes.edges.push({ step, edge: index, to: 'never' });
    } else if (edge.waitMs !== undefined) {
      changes.edges.push({ step, edge: index, to: 'waiting' });
      changes.timers.push({ id: waitTimerId(ref), dueAt: context.now + edge.waitMs, resolve: { step, edge: index, to: 'fired' } });
    } else if (edge.async) {
      changes.edges.push({ step, edge: index, to: 'waiting' });
      const pauseId = asyncPauseId(context.runId, ref);
      const expiresAt = context.now + edge.async.ttlMs;
      const ttlTimer = pauseTimerId(pauseId);
      changes.pauses.push({ id: pauseId, kind: 'async', event: edge.async.event, expiresAt, edge: { step, edge: index }, ttlTimer });
      changes.timers.push({ id: ttlTimer, dueAt: expiresAt, resolve: { step, edge: index, to: edge.async.onTimeout ? 'fired' : 'never' }, endsPause: pauseId });
      vars ??= expressionVars(context);
      planned.index.push(indexRecord(fn, context.runId, vars, { id: pauseId, kind: 'async', event: edge.async.event, expiresAt }, edge.async.match));
    } else {
      changes.edges.push({ step, edge: index, to: 'fired' });
    }
  }
  return planned;
}

/** The variables an edge's expressions read (SPEC section 3). */
interface ExpressionVars {
  event: StepstackEvent;
  steps: Record<string, unknown>;
  async: StepstackEvent | null;
  response: unknown;
  events?: StepstackEvent[];
}

function expressionVars(context: EdgeContext): ExpressionVars {
  const steps = context.parent === undefined ? context.steps : { ...context.steps, [context.parent]: context.response };
  return { event: context.event, steps, async: context.parentAsync, response: context.response, ...(context.events ? { events: context.events } : {}) };
}

/** What a new run resolves: its cancel rules armed (until their timeout, else `retentionMs`), the edges leaving `$trigger`. */
export function planStart(fn: CompiledFunction, event: StepstackEvent, runId: string, now: number, retentionMs: number, events?: StepstackEvent[]): PlannedChanges {
  const context: EdgeContext = { runId, now, event, steps: {}, parentAsync: null, response: null, ...(events ? { events } : {}) };
  const planned = planEdgesFrom(fn, fn.triggerEdges, context);
  if (fn.cancel.length === 0) return planned;
  const vars = expressionVars(context);
  fn.cancel.forEach((rule, index) => {
    const pause: PausePlan = { id: cancelPauseId(runId, index), kind: 'cancel', event: rule.event, expiresAt: now + (rule.timeoutMs ?? retentionMs) };
    planned.changes.pauses.push(pause);
    planned.index.push(indexRecord(fn, runId, vars, pause, rule.if));
  });
  return planned;
}

/** Every step with its edge count and the edges leaving it: what the store needs to release and skip steps itself. */
export function topologyOf(fn: CompiledFunction): StepTopology[] {
  return [...fn.steps.values()].map((step) => ({ id: step.id, edges: step.after.length, children: step.children }));
}

function indexRecord(
  fn: CompiledFunction, runId: string, vars: ExpressionVars, pause: Pick<PausePlan, 'id' | 'kind' | 'event' | 'expiresAt'>, expression: Expression | undefined,
): IndexedPause {
  const match = planPauseMatch(expression, { event: vars.event, steps: vars.steps });
  return {
    id: pause.id, runId, functionId: fn.id, kind: pause.kind, event: pause.event, expiresAt: pause.expiresAt,
    ...(match.key ? { key: match.key } : {}), ...(match.residual ? { residual: match.residual } : {}),
  };
}
