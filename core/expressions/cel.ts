import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { DEFAULT_EXPRESSION_BUDGET, ExpressionBudgetError, charge, countOf, reportOverBudget, startMeter, stopMeter, weightOf } from './budget';
import type { Expression, ExpressionVars } from './expression';
import { compilePattern, matches } from './regex';
import { checkStaticCost, nodeCount } from './static-cost';

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
 *
 * Costs: the same walk wraps comprehensions, the operators whose work grows with their operands
 * and every function call, so that each charges the evaluation's meter (budget.ts) for what it reads
 * before it runs; it swaps `matches()` for RE2 (regex.ts). An evaluation over its budget counts as
 * false and is reported; nested comprehensions that could not fit are refused when the expression is
 * compiled (static-cost.ts).
 */

// cel-js's own parser limits, well above what FUNCTION_LIMITS.expressionLength lets through.
const environment = new Environment({ limits: { maxAstNodes: 10_000, maxDepth: 64 } })
  .registerVariable('event', 'dyn')
  .registerVariable('steps', 'dyn')
  .registerVariable('async', 'dyn')
  .registerVariable('response', 'dyn')
  .registerVariable('events', 'dyn');

const MISSING_CODES = new Set(['no_such_key', 'index_out_of_bounds']);
// Module-level copies: global lookups are slow inside vm contexts (jest), and these run per field read.
const { hasOwn, getPrototypeOf, prototype: objectPrototype } = Object;
const { isArray, from: arrayFrom, prototype: arrayPrototype } = Array;

export interface CompileOptions {
  /** Where the expression is, for the report of an evaluation over budget, e.g. `welcome-flow triggers[0].expression`. */
  context?: string;
  /** Cost units one evaluation may use. @default DEFAULT_EXPRESSION_BUDGET */
  budget?: number;
}

/**
 * Parse and type-check a CEL expression once; throws an Error naming the problem and its column, or
 * naming the cost when the expression could not fit its budget whatever the event.
 */
export function compileExpression(source: string, options: CompileOptions = {}): Expression {
  const budget = options.budget ?? DEFAULT_EXPRESSION_BUDGET;
  const parsed = parseChecked(source);
  checkStaticCost(parsed.ast, budget, source);
  instrument(parsed.ast);
  const run = (vars: ExpressionVars): unknown => {
    const started = startMeter(budget);
    try {
      return parsed(contextOf(vars));
    } finally {
      stopMeter(started);
    }
  };
  const evaluate = (vars: ExpressionVars): unknown => {
    try {
      return run(vars);
    } catch (error) {
      if (error instanceof ExpressionBudgetError) reportOverBudget(source, options.context, error);
      throw new Error(`expression "${source}" failed: ${summaryOf(error)}`, { cause: error });
    }
  };
  return {
    source,
    evaluate,
    test(vars) {
      try {
        return run(vars) === true;
      } catch (error) {
        if (error instanceof ExpressionBudgetError) reportOverBudget(source, options.context, error);
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
  const event = local(vars.event ?? null);
  // `events`: the run's batch, else its one event (SPEC section 3).
  const events = vars.events === undefined ? (event === null ? null : [event]) : local(vars.events);
  return { event, steps: local(vars.steps ?? null), async: local(vars.async ?? null), response: local(vars.response ?? null), events };
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
/**
 * Operators whose work can grow with their operands (deep equality, list membership, concatenation).
 * The others (`<`, `-`, `!`...) take constant time, or time linear in one string at native speed,
 * and are paid for by the comprehension that repeats them (charged per node of its body).
 */
const SIZED_OPS = new Set(['!=', '==', 'in', '+']);
/** Comprehension body nodes paid for by one unit per element. */
const NODES_PER_UNIT = 3;

/**
 * Walk every node the type checker reached (macro expansions included): wrap its field reads (missing
 * reads as null), and make comprehensions, sized operators and calls charge the meter before they run.
 */
function instrument(root: unknown): void {
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isAstNode(value)) return Object.values(value).forEach(visit);
    if (ACCESS_OPS.has(value.op) && value.handle) value.handle = nullForMissing(value.handle);
    else if (value.handle) value.handle = metering(value);
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

/** The node's handler, charging what it reads first; `matches()` goes to RE2. Handler arguments differ by operator (see cel-js operators.js). */
function metering(node: AstNodeLike): FieldHandle {
  const handle = node.handle as FieldHandle;
  if (node.op === 'comprehension') {
    const perElement = 1 + Math.floor(nodeCount((node.args as { step: unknown }).step) / NODES_PER_UNIT);
    return (items, args, evaluator, context) => {
      chargeCaughtErrors(evaluator);
      charge(1 + countOf(items) * perElement);
      return handle(items, args, evaluator, context);
    };
  }
  if (SIZED_OPS.has(node.op)) {
    // Against a literal scalar (`x == 'pro'`), equality is constant and concatenation copies one side at most.
    if (Array.isArray(node.args) && node.args.some(isScalarLiteral) && node.op !== 'in') return handle;
    return (left, right, ast, evaluator) => {
      charge(1 + weightOf(left) + weightOf(right));
      return handle(left, right, ast, evaluator);
    };
  }
  if (node.op === 'rcall' && Array.isArray(node.args) && node.args[0] === 'matches') {
    const literal = (node.args[2] as { op?: string; args?: unknown }[] | undefined)?.[0];
    const fixed = literal?.op === 'value' && typeof literal.args === 'string' ? compilePattern(literal.args) : undefined;
    return (values) => matches((values as unknown[])[0], (values as unknown[])[1], fixed);
  }
  if (node.op === 'call' || node.op === 'rcall') {
    return (values, second, third, fourth) => {
      let units = 1;
      for (const value of values as unknown[]) units += weightOf(value);
      charge(units);
      return handle(values, second, third, fourth);
    };
  }
  return handle;
}

/** Units one error costs (building its message with the expression highlighted), measured here. */
const ERROR_UNITS = 40;
const chargingErrors = new WeakSet<object>();

/**
 * Quantifiers (`exists`, `all`) catch an element's error and go on (cel-js `tryEval`), so data that
 * makes every element fail costs an Error per element: make the evaluator's `tryEval` charge for it.
 */
function chargeCaughtErrors(evaluator: unknown): void {
  const target = evaluator as { tryEval?: (ast: unknown, context: unknown) => unknown };
  if (typeof target !== 'object' || target === null || chargingErrors.has(target) || typeof target.tryEval !== 'function') return;
  const tryEval = target.tryEval.bind(target);
  target.tryEval = (ast, context) => {
    const result = tryEval(ast, context);
    if (result instanceof Error) charge(ERROR_UNITS);
    return result;
  };
  chargingErrors.add(target);
}

function isScalarLiteral(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { op?: unknown }).op === 'value' && typeof (value as { args?: unknown }).args !== 'object';
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
