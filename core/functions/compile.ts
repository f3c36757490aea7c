import { createHash } from 'node:crypto';
import { parseDuration } from '../duration';
import { compileExpression } from '../expressions/cel';
import type { CompiledEdge, CompiledFunction, CompiledStep, EdgeRef } from './compiled';
import { TRIGGER, type Edge, type FunctionDefinition, type Runtime, type Trigger } from './definition';

const DEFAULT_RETRIES = 3;
const DEFAULT_TIMEOUT_MS: Record<Runtime['type'], number> = { http: 5 * 60_000, docker: 15 * 60_000, inngest: 5 * 60_000 };
/** Runs compile the same few definitions over and over: keep the latest ones. */
const CACHE_LIMIT = 256;
const byHash = new Map<string, CompiledFunction>();
const byObject = new WeakMap<FunctionDefinition, CompiledFunction>();

/** A validated definition made ready to schedule (memoized by its hash; treat the result as read-only). */
export function compileFunction(definition: FunctionDefinition): CompiledFunction {
  const known = byObject.get(definition);
  if (known) return known;
  const hash = hashDefinition(definition);
  let compiled = byHash.get(hash);
  if (!compiled) {
    compiled = build(definition, hash);
    if (byHash.size >= CACHE_LIMIT) byHash.delete(byHash.keys().next().value as string);
    byHash.set(hash, compiled);
  }
  byObject.set(definition, compiled);
  return compiled;
}

/** The compiled form of a definition whose hash is already known (a run keeps it): no hashing, and the definition is read only on a miss. */
export function compileKnown(hash: string, definition: () => FunctionDefinition): CompiledFunction {
  return byHash.get(hash) ?? compileFunction(definition());
}

/** The compiled form of a definition by its hash, when this process compiled it already. */
export function compileCached(hash: string): CompiledFunction | undefined {
  return byHash.get(hash);
}

/** sha256 (hex) of the definition as JSON with its keys sorted, so key order does not matter. */
export function hashDefinition(definition: FunctionDefinition): string {
  return createHash('sha256').update(canonicalJson(definition)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value).sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

function build(definition: FunctionDefinition, hash: string): CompiledFunction {
  const steps = new Map<string, CompiledStep>();
  for (const [id, step] of Object.entries(definition.steps)) {
    steps.set(id, {
      id,
      name: step.name ?? id,
      runtime: step.runtime,
      timeoutMs: step.runtime.timeout === undefined ? DEFAULT_TIMEOUT_MS[step.runtime.type] : parseDuration(step.runtime.timeout),
      retries: step.retries?.attempts ?? definition.retries?.attempts ?? DEFAULT_RETRIES,
      after: step.after.map((edge, index) => compileEdge(edge, `function ${definition.id} steps.${id}.after[${index}]`)),
      children: [],
    });
  }
  const triggerEdges: EdgeRef[] = [];
  for (const step of steps.values()) {
    step.after.forEach((edge, index) => {
      const ref = { step: step.id, edge: index };
      if (edge.parent === TRIGGER) triggerEdges.push(ref);
      else steps.get(edge.parent)?.children.push(ref);
    });
  }
  const triggers: Trigger[] = definition.triggers;
  return {
    id: definition.id,
    name: definition.name ?? definition.id,
    definition,
    hash,
    eventTriggers: triggers.flatMap((trigger, index) => ('event' in trigger
      ? [{ event: trigger.event, ...(trigger.expression === undefined ? {} : { expression: compileExpression(trigger.expression, { context: `function ${definition.id} triggers[${index}].expression` }) }) }]
      : [])),
    cronTriggers: triggers.flatMap((trigger) => ('cron' in trigger ? [{ cron: trigger.cron }] : [])),
    cancel: (definition.cancel ?? []).map((rule, index) => ({
      event: rule.event,
      ...(rule.if === undefined ? {} : { if: compileExpression(rule.if, { context: `function ${definition.id} cancel[${index}].if` }) }),
      ...(rule.timeout === undefined ? {} : { timeoutMs: parseDuration(rule.timeout) }),
    })),
    steps,
    order: topologicalOrder(steps),
    triggerEdges,
  };
}

/** `at` names the edge in reports of an expression over its budget. */
function compileEdge(edge: Edge, at: string): CompiledEdge {
  return {
    parent: edge.step,
    ...(edge.if === undefined ? {} : { if: compileExpression(edge.if, { context: `${at}.if` }) }),
    ...(edge.wait === undefined ? {} : { waitMs: parseDuration(edge.wait) }),
    ...(edge.async === undefined ? {} : {
      async: {
        event: edge.async.event,
        ...(edge.async.match === undefined ? {} : { match: compileExpression(edge.async.match, { context: `${at}.async.match` }) }),
        ttlMs: parseDuration(edge.async.ttl),
        onTimeout: edge.async.onTimeout ?? false,
      },
    }),
  };
}

/**
 * Parents before children; among steps that are ready together, file order. Kahn's algorithm (each
 * edge counted once) with the ready steps kept sorted by file position.
 */
function topologicalOrder(steps: Map<string, CompiledStep>): string[] {
  const ids = [...steps.keys()];
  const position = new Map(ids.map((id, index) => [id, index]));
  const waiting = new Map<string, number>();
  const ready: number[] = [];
  for (const step of steps.values()) {
    const count = new Set(step.after.map((edge) => edge.parent).filter((parent) => parent !== TRIGGER && steps.has(parent))).size;
    waiting.set(step.id, count);
    if (count === 0) ready.push(position.get(step.id) as number);
  }
  const order: string[] = [];
  const released = new Set<string>();
  for (let next = ready.shift(); next !== undefined; next = ready.shift()) {
    const id = ids[next] as string;
    order.push(id);
    for (const { step: child } of (steps.get(id) as CompiledStep).children) {
      if (released.has(`${id}\n${child}`)) continue;
      released.add(`${id}\n${child}`);
      const left = (waiting.get(child) as number) - 1;
      waiting.set(child, left);
      if (left === 0) insertSorted(ready, position.get(child) as number);
    }
  }
  if (order.length < steps.size) {
    throw new Error(`function graph has a cycle among: ${ids.filter((id) => !order.includes(id)).slice(0, 10).join(', ')}`);
  }
  return order;
}

function insertSorted(list: number[], value: number): void {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((list[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  list.splice(low, 0, value);
}
