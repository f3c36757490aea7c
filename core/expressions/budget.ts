import { StepstackError } from '../errors';

/**
 * The cost budget of one CEL evaluation. A unit is about 0.1 µs of work here: one element a
 * comprehension visits, 4 elements (or 256 characters) of an operand an operator or function reads,
 * two characters times instructions for a regular expression. The default keeps one evaluation to a
 * few milliseconds (bench/expressions.ts prints what the largest ones cost).
 */
export const DEFAULT_EXPRESSION_BUDGET = 20_000;
/**
 * A backstop for work the units misjudge: an evaluation that has used this much CPU time is stopped
 * too. CPU time rather than wall time, so that a busy machine descheduling the process cannot turn a
 * cheap evaluation false.
 */
export const EXPRESSION_DEADLINE_MS = 10;
const CHECK_CLOCK_EVERY = 64;

/** An evaluation that would cost more than its budget (or run past the deadline); it counts as false. */
export class ExpressionBudgetError extends StepstackError {
  constructor(readonly limit: string) {
    super(`went over its cost budget (${limit}): it is counted as false; make it cheaper, e.g. test fewer or smaller lists, or move the work into a step`);
  }
}

// Evaluations are synchronous (no async functions are registered), so one meter at a time is live;
// it is module state rather than an object per evaluation, as most evaluations are a few operators.
let live = false;
let remaining = 0;
let budgetUnits = 0;
let charges = 0;
/** CPU time (µs) at the first clock check: evaluations too short to reach one never read the clock. */
let clockStart = 0;

/** Starts a fresh meter of `budget` units; false when one is live already (which then keeps counting). */
export function startMeter(budget: number): boolean {
  if (live) return false;
  live = true;
  remaining = budget;
  budgetUnits = budget;
  charges = 0;
  // cel-js throws (and quantifiers catch) an Error per failing element: without a stack trace each
  // costs about a microsecond instead of tens. Nothing else runs during a synchronous evaluation.
  savedStackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  return true;
}

/** Ends the meter `startMeter` started (when it returned true). */
export function stopMeter(started: boolean): void {
  if (!started) return;
  live = false;
  Error.stackTraceLimit = savedStackTraceLimit;
}

let savedStackTraceLimit = Error.stackTraceLimit;

/** Takes `units` from the live meter; throws `ExpressionBudgetError` when it runs out. */
export function charge(units: number): void {
  if (!live) return;
  remaining -= units;
  if (remaining < 0) throw new ExpressionBudgetError(`${budgetUnits} units`);
  charges += 1;
  if (charges % CHECK_CLOCK_EVERY !== 0) return;
  if (charges === CHECK_CLOCK_EVERY) clockStart = cpuMicros();
  else if (cpuMicros() - clockStart > EXPRESSION_DEADLINE_MS * 1000) throw new ExpressionBudgetError(`${EXPRESSION_DEADLINE_MS} ms of CPU time`);
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Units left on the live meter (for capping work that only measures). */
export function remainingUnits(): number {
  return live ? Math.max(0, remaining) : Number.POSITIVE_INFINITY;
}

const ELEMENTS_PER_UNIT = 4;
const CHARACTERS_PER_ELEMENT = 64;

/**
 * What reading `value` whole costs: its elements and characters, nested ones included, counted with
 * an explicit stack and no further than the live meter allows (so measuring never costs more than
 * the budget itself).
 */
export function weightOf(value: unknown): number {
  if (typeof value === 'string') return Math.ceil(value.length / CHARACTERS_PER_ELEMENT / ELEMENTS_PER_UNIT);
  if (typeof value !== 'object' || value === null) return 0;
  const cap = (remainingUnits() + 1) * ELEMENTS_PER_UNIT;
  let elements = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0 && elements <= cap) {
    const item = pending.pop();
    if (typeof item === 'string') elements += item.length / CHARACTERS_PER_ELEMENT;
    else if (item instanceof Uint8Array) elements += item.length / CHARACTERS_PER_ELEMENT;
    else if (Array.isArray(item) || item instanceof Set) for (const child of item) { elements += 1; pending.push(child); }
    else if (item instanceof Map) for (const [key, child] of item) { elements += 1; pending.push(key, child); }
    else if (typeof item === 'object' && item !== null) for (const key in item) { elements += 1; pending.push((item as Record<string, unknown>)[key]); }
  }
  return Math.ceil(elements / ELEMENTS_PER_UNIT);
}

/** Elements a comprehension over `items` visits. */
export function countOf(items: unknown): number {
  if (Array.isArray(items)) return items.length;
  if (items instanceof Map || items instanceof Set) return items.size;
  if (typeof items === 'object' && items !== null) {
    let count = 0;
    for (const key in items) if (Object.hasOwn(items, key)) count += 1;
    return count;
  }
  return 0;
}

/** Who hears of an evaluation that went over its budget; the stack's parts point it at their logger. */
export type OverBudgetListener = (report: { expression: string; context?: string; reason: string }) => void;

let listener: OverBudgetListener = () => {};

/** Sends every over-budget evaluation to `next` (one listener per process; the last one set wins). */
export function onExpressionOverBudget(next: OverBudgetListener): void {
  listener = next;
}

export function reportOverBudget(expression: string, context: string | undefined, error: ExpressionBudgetError): void {
  listener({ expression, ...(context === undefined ? {} : { context }), reason: error.message });
}
