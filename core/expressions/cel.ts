import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import type { Expression, ExpressionVars } from './expression';

/**
 * CEL through @marcbachmann/cel-js, with one difference from standard CEL that SPEC section 3 asks
 * for: a missing field (`event.data.nope`, `steps['later'].x`, or any field of null) reads as null
 * instead of raising `No such key`.
 *
 * How: cel-js type-checks an AST once and then caches, on every field (`.`) and index (`[]`) node, the
 * function that reads the field (`node.handle`). After that first check we wrap each of those
 * functions: missing keys of plain objects and any field of null return null without building an
 * error; other lookups go to cel-js and only its `no_such_key`/`index_out_of_bounds` errors become
 * null. `has()` keeps its meaning, and answers false (instead of failing) when a parent is missing.
 */

const environment = new Environment()
  .registerVariable('event', 'dyn')
  .registerVariable('steps', 'dyn')
  .registerVariable('async', 'dyn')
  .registerVariable('response', 'dyn');

const MISSING_CODES = new Set(['no_such_key', 'index_out_of_bounds']);
// Module-level copies: global lookups are slow inside vm contexts (jest), and these run per field read.
const { hasOwn, getPrototypeOf, prototype: objectPrototype } = Object;
const { isArray, from: arrayFrom, prototype: arrayPrototype } = Array;

/** Parse and type-check a CEL expression once; throws an Error naming the problem and its column. */
export function compileExpression(source: string): Expression {
  const parsed = parseChecked(source);
  bridgeMissingFields(parsed.ast);
  const evaluate = (vars: ExpressionVars): unknown => {
    try {
      return parsed(contextOf(vars));
    } catch (error) {
      throw new Error(`expression "${source}" failed: ${summaryOf(error)}`, { cause: error });
    }
  };
  return {
    source,
    evaluate,
    test(vars) {
      try {
        return parsed(contextOf(vars)) === true;
      } catch {
        return false;
      }
    },
  };
}

/**
 * The syntax tree of a valid expression (cel-js's AST: nodes with `op`, `args`, `start`, `end`), for
 * analyses of its shape such as the pause index's (pause-match.ts). Throws as compileExpression does.
 */
export function expressionSyntax(source: string): unknown {
  return parseChecked(source).ast;
}

function parseChecked(source: string): ParseResult {
  if (typeof source !== 'string' || source.trim() === '') throw new Error('invalid CEL: the expression is empty');
  let parsed: ParseResult;
  try {
    parsed = environment.parse(source);
  } catch (error) {
    throw new Error(`invalid CEL "${source}": ${summaryOf(error)}`, { cause: error });
  }
  const checked = parsed.check();
  if (!checked.valid) throw new Error(`invalid CEL "${source}": ${summaryOf(checked.error)}`, { cause: checked.error });
  return parsed;
}

/** `Unexpected token: EOF at column 4` rather than cel-js's multi-line highlight. */
function summaryOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { summary, range } = error as { summary?: string; range?: { start: number } };
  const text = summary ?? error.message;
  return range ? `${text} at column ${range.start + 1}` : text;
}

function contextOf(vars: ExpressionVars): Record<string, unknown> {
  // cel-js treats an undefined variable as unknown: absent variables read as null.
  return { event: local(vars.event ?? null), steps: local(vars.steps ?? null), async: local(vars.async ?? null), response: local(vars.response ?? null) };
}

/**
 * cel-js recognises plain objects and arrays by their constructor, so one made in another realm (by
 * Node's `structuredClone` inside a jest sandbox, say) is an "unsupported type". Such values are
 * copied into this realm when read; this realm's own values pass through untouched.
 */
function local(value: unknown): unknown {
  return isForeign(value) ? adopt(value) : value;
}

function isForeign(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const proto = getPrototypeOf(value) as object | null;
  if (proto === objectPrototype || proto === arrayPrototype || proto === null) return false;
  return isArray(value) || getPrototypeOf(proto) === null;
}

function adopt(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (isArray(value)) return arrayFrom(value, adopt);
  const proto = getPrototypeOf(value) as object | null;
  if (proto !== objectPrototype && proto !== null && getPrototypeOf(proto) !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = adopt((value as Record<string, unknown>)[key]);
  return copy;
}

type FieldHandle = (left: unknown, right: unknown, node: unknown, evaluator: unknown) => unknown;
interface AstNodeLike {
  op: string;
  args: unknown;
  meta: { macro?: { evaluate?: (...args: unknown[]) => unknown; callAst?: unknown } & Record<string, unknown>; alternate?: unknown };
  handle?: FieldHandle;
}

const ACCESS_OPS = new Set(['.', '[]']);

/** Walk every node the type checker reached (macro expansions included) and wrap its field reads. */
function bridgeMissingFields(root: unknown): void {
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isAstNode(value)) return Object.values(value).forEach(visit);
    if (ACCESS_OPS.has(value.op) && value.handle) value.handle = nullForMissing(value.handle);
    const { macro, alternate } = value.meta;
    if (macro && value.op === 'call' && Array.isArray(value.args) && value.args[0] === 'has' && macro.evaluate) {
      macro.evaluate = falseForMissing(macro.evaluate);
    }
    visit(value.args);
    visit(alternate);
    if (macro) Object.values(macro).forEach(visit);
  };
  visit(root);
}

function isAstNode(value: object): value is AstNodeLike {
  return typeof (value as { op?: unknown }).op === 'string' && 'meta' in value && 'args' in value;
}

function nullForMissing(read: FieldHandle): FieldHandle {
  return (left, right, node, evaluator) => {
    if (left === null || left === undefined) return null;
    if (typeof right === 'string' && (isPlainObject(left) || isForeign(left))) {
      const value = hasOwn(left, right) ? (left as Record<string, unknown>)[right] : undefined;
      if (value === undefined) return null;
      if (isForeign(value) || isForeign(left)) return local(value);
    }
    try {
      return read(left, right, node, evaluator);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  };
}

function falseForMissing(evaluate: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  return (...args) => {
    try {
      return evaluate(...args);
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = getPrototypeOf(value) as unknown;
  return proto === objectPrototype || proto === null;
}

function isMissing(error: unknown): boolean {
  return MISSING_CODES.has((error as { code?: unknown } | null)?.code as string);
}
