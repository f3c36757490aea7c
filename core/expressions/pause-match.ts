import { setOwn } from '../records';
import type { IndexedPause, PauseKey } from '../ports/pause-index';
import { compileExpression, expressionSyntax } from './cel';
import type { Expression } from './expression';

/**
 * How a pause's `match` (or cancel `if`) is found by index (core/ports/pause-index.ts): the first
 * top-level conjunct `async.<static path> == X`, with X known when the pause is made, becomes the
 * key; what else must hold is the residual, with just the values of `event` and `steps` it reads.
 * "Key matches and residual true" is exactly the expression's `test()` (tests/unit/pause-match.test.ts).
 */

/** What a pause is made with: the run's trigger event and its step outputs. */
export interface PauseMatchVars {
  event: unknown;
  steps: Record<string, unknown>;
}

export interface PauseMatchPlan {
  key?: PauseKey;
  residual?: IndexedPause['residual'];
}

export function planPauseMatch(expression: Expression | undefined, vars: PauseMatchVars): PauseMatchPlan {
  if (expression === undefined) return {};
  const shape = shapeOf(expression.source);
  const key = keyOf(shape, vars);
  if (key && shape.conjuncts === 1) return { key };
  const residualVars: { event?: unknown; steps?: Record<string, unknown> } = {};
  if (shape.reads.event) residualVars.event = pruned(vars.event ?? null, shape.reads.event);
  if (shape.reads.steps) residualVars.steps = pruned(vars.steps ?? {}, shape.reads.steps) as Record<string, unknown>;
  return { ...(key ? { key } : {}), residual: { source: expression.source, vars: residualVars } };
}

/**
 * The canonical text of the value an event holds at `path`, read as CEL reads it here (a missing
 * field, or any field of a non-map, reads null); undefined when that value is not a scalar, which
 * no key holds.
 */
export function eventValueAt(event: unknown, path: readonly string[]): string | undefined {
  let value: unknown = event;
  for (const field of path) value = isMap(value) && hasOwn(value, field) ? value[field] : null;
  return scalarText(value ?? null);
}

/**
 * `JSON.stringify` of a scalar such that values CEL finds equal have equal text: ints, uints and
 * doubles of one value give one text (`1`, `1u`, `1.0` and `-0.0`/`0` alike); NaN, infinities and
 * integers beyond 2^53 give none (no JSON number equals them exactly).
 */
export function scalarText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? String(Number(value)) : undefined;
    case 'object':
      if (value === null) return 'null';
      if (value.constructor?.name === 'UnsignedInt') return scalarText(value.valueOf());
      return undefined;
    default:
      return undefined;
  }
}

/** The analysis of an expression's source, the same for every pause made with it. */
interface Shape {
  conjuncts: number;
  /** Key-shaped conjuncts in source order: the async path and the other side, compiled. */
  keyCandidates: { path: string[]; value: Expression }[];
  /** The parts of `event` and `steps` the expression reads (absent: not read). */
  reads: { event?: ReadTree; steps?: ReadTree };
}

/** Fields read below a value; `whole` when the value itself is read (or read in ways not followed). */
interface ReadTree {
  whole: boolean;
  fields: Map<string, ReadTree>;
}

interface CelNode {
  op: string;
  args: unknown;
  start: number;
  end: number;
}

const SHAPE_CACHE_LIMIT = 1000;
// Pauses are made with the few expressions of the deployed functions: analyse each source once.
const shapes = new Map<string, Shape>();

function shapeOf(source: string): Shape {
  let shape = shapes.get(source);
  if (!shape) {
    shape = analyse(source);
    if (shapes.size >= SHAPE_CACHE_LIMIT) shapes.delete(shapes.keys().next().value as string);
    shapes.set(source, shape);
  }
  return shape;
}

function analyse(source: string): Shape {
  const root = expressionSyntax(source) as CelNode;
  const conjuncts = conjunctsOf(root);
  const keyCandidates: Shape['keyCandidates'] = [];
  for (const conjunct of conjuncts) {
    if (conjunct.op !== '==') continue;
    const [left, right] = conjunct.args as [CelNode, CelNode];
    for (const [side, other] of [[left, right], [right, left]] as const) {
      const chain = staticChain(side);
      if (chain?.root !== 'async' || chain.path.length === 0 || readsAny(other, KNOWN_LATER)) continue;
      const value = compileSide(source.slice(other.start, other.end));
      if (value) keyCandidates.push({ path: chain.path, value });
      break;
    }
  }
  const reads: Shape['reads'] = {};
  collectReads(root, reads);
  return { conjuncts: conjuncts.length, keyCandidates, reads };
}

/** Variables whose values are not known when the pause is made. */
const KNOWN_LATER = new Set(['async', 'response']);
const MADE_WITH = new Set(['event', 'steps']);

function keyOf(shape: Shape, vars: PauseMatchVars): PauseKey | undefined {
  for (const candidate of shape.keyCandidates) {
    let value: unknown;
    try {
      value = candidate.value.evaluate({ event: vars.event, steps: vars.steps });
    } catch {
      continue; // this conjunct is never true; another may still key the pause
    }
    const text = scalarText(value);
    if (text !== undefined) return { path: candidate.path, value: text };
  }
  return undefined;
}

function compileSide(source: string): Expression | undefined {
  try {
    return compileExpression(source);
  } catch {
    return undefined;
  }
}

function conjunctsOf(node: CelNode): CelNode[] {
  return node.op === '&&' ? (node.args as CelNode[]).flatMap(conjunctsOf) : [node];
}

/** `root.a['b'].c` as `{ root, path: ['a', 'b', 'c'] }`: field names known from the source alone. */
function staticChain(node: CelNode): { root: string; path: string[] } | undefined {
  if (node.op === 'id') return { root: node.args as string, path: [] };
  if (node.op !== '.' && node.op !== '[]') return undefined;
  const [inner, field] = node.args as [CelNode, unknown];
  const name = node.op === '.' ? field : literalString(field);
  if (typeof name !== 'string') return undefined;
  const chain = staticChain(inner);
  return chain && { root: chain.root, path: [...chain.path, name] };
}

function literalString(node: unknown): string | undefined {
  return isNode(node) && node.op === 'value' && typeof node.args === 'string' ? node.args : undefined;
}

function readsAny(node: unknown, names: ReadonlySet<string>): boolean {
  if (isNode(node)) return (node.op === 'id' && names.has(node.args as string)) || readsAny(node.args, names);
  if (Array.isArray(node)) return node.some((child) => readsAny(child, names));
  if (isMap(node)) return Object.values(node).some((child) => readsAny(child, names));
  return false;
}

/** Record the longest static chain of every read of `event` and `steps` (a macro's loop variable of that name reads more than needed, never less). */
function collectReads(node: unknown, reads: Shape['reads']): void {
  if (Array.isArray(node)) return node.forEach((child) => collectReads(child, reads));
  if (!isNode(node)) {
    if (isMap(node)) Object.values(node).forEach((child) => collectReads(child, reads));
    return;
  }
  const chain = staticChain(node);
  if (chain) {
    if (MADE_WITH.has(chain.root)) {
      const root = chain.root as 'event' | 'steps';
      reads[root] = addRead(reads[root] ?? { whole: false, fields: new Map() }, chain.path);
    }
    return;
  }
  collectReads(node.args, reads);
}

function addRead(tree: ReadTree, path: readonly string[]): ReadTree {
  let at = tree;
  for (const field of path) {
    if (at.whole) return tree;
    let next = at.fields.get(field);
    if (!next) at.fields.set(field, (next = { whole: false, fields: new Map() }));
    at = next;
  }
  at.whole = true;
  at.fields.clear();
  return tree;
}

/** The parts of `value` that `tree` reads; a non-map is kept whole (reading through it gives null anyway). */
function pruned(value: unknown, tree: ReadTree): unknown {
  if (tree.whole || !isMap(value)) return value;
  const kept: Record<string, unknown> = {};
  for (const [field, below] of tree.fields) {
    if (hasOwn(value, field)) setOwn(kept, field, pruned(value[field], below));
  }
  return kept;
}

const { hasOwn } = Object;

function isNode(value: unknown): value is CelNode {
  return typeof value === 'object' && value !== null && typeof (value as { op?: unknown }).op === 'string' && 'args' in value;
}

/** A JSON object (not an array), as the engine's values are. */
function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
