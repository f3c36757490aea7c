import { parseDuration } from '../duration';
import { compileExpression } from '../expressions/cel';
import type { Expression } from '../expressions/expression';
import type { CompiledFunction } from '../functions/compiled';
import type { ConcurrencyLimit, FlowControl } from '../functions/flow-definition';

/** A function's flow control, made ready to apply: durations in ms, CEL parsed. */
export interface CompiledFlow {
  concurrency: { limit: number; key?: Expression; scope: 'fn' | 'env' }[];
  throttle?: { limit: number; periodMs: number; burst: number; key?: Expression };
  rateLimit?: { limit: number; periodMs: number; key?: Expression };
  debounce?: { periodMs: number; timeoutMs?: number; key?: Expression };
  batch?: { maxSize: number; timeoutMs: number; key?: Expression };
  priority?: Expression;
  idempotency?: Expression;
  singleton?: { key?: Expression; mode: 'skip' | 'cancel' };
  timeouts?: { startMs?: number; finishMs?: number };
  /** Whether anything gates or shapes a run's start (everything but concurrency and timeouts). */
  gatesStart: boolean;
}

const compiled = new WeakMap<CompiledFunction, CompiledFlow>();

/** The flow control of a compiled function (memoized per compiled function). */
export function flowOf(fn: CompiledFunction): CompiledFlow {
  let flow = compiled.get(fn);
  if (!flow) {
    flow = compileFlow(fn.definition, fn.id);
    compiled.set(fn, flow);
  }
  return flow;
}

function compileFlow(definition: FlowControl, id: string): CompiledFlow {
  const cel = (source: string | undefined, field: string): { key?: Expression } =>
    (source === undefined ? {} : { key: compileExpression(source, { context: `function ${id} ${field}` }) });
  const { throttle, rateLimit, debounce, batchEvents, singleton, timeouts } = definition;
  const flow: CompiledFlow = {
    concurrency: concurrencyEntries(definition.concurrency).map((entry, index) => ({
      limit: entry.limit, scope: entry.scope ?? 'fn', ...cel(entry.key, `concurrency[${index}].key`),
    })),
    ...(throttle ? { throttle: { limit: throttle.limit, periodMs: parseDuration(throttle.period), burst: throttle.burst ?? 0, ...cel(throttle.key, 'throttle.key') } } : {}),
    ...(rateLimit ? { rateLimit: { limit: rateLimit.limit, periodMs: parseDuration(rateLimit.period), ...cel(rateLimit.key, 'rateLimit.key') } } : {}),
    ...(debounce ? {
      debounce: {
        periodMs: parseDuration(debounce.period), ...cel(debounce.key, 'debounce.key'),
        ...(debounce.timeout === undefined ? {} : { timeoutMs: parseDuration(debounce.timeout) }),
      },
    } : {}),
    ...(batchEvents ? { batch: { maxSize: batchEvents.maxSize, timeoutMs: parseDuration(batchEvents.timeout), ...cel(batchEvents.key, 'batchEvents.key') } } : {}),
    ...(definition.priority ? { priority: compileExpression(definition.priority.run, { context: `function ${id} priority.run` }) } : {}),
    ...(definition.idempotency === undefined ? {} : { idempotency: compileExpression(definition.idempotency, { context: `function ${id} idempotency` }) }),
    ...(singleton ? { singleton: { mode: singleton.mode, ...cel(singleton.key, 'singleton.key') } } : {}),
    ...(timeouts ? {
      timeouts: {
        ...(timeouts.start === undefined ? {} : { startMs: parseDuration(timeouts.start) }),
        ...(timeouts.finish === undefined ? {} : { finishMs: parseDuration(timeouts.finish) }),
      },
    } : {}),
    gatesStart: false,
  };
  flow.gatesStart = Boolean(flow.throttle ?? flow.rateLimit ?? flow.debounce ?? flow.batch ?? flow.idempotency ?? flow.singleton ?? flow.timeouts);
  return flow;
}

function concurrencyEntries(value: FlowControl['concurrency']): ConcurrencyLimit[] {
  if (value === undefined) return [];
  if (typeof value === 'number') return [{ limit: value }];
  return Array.isArray(value) ? value : [value];
}
