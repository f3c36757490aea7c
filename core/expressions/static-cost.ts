import { compilePattern } from './regex';

/**
 * What can be known before any event arrives: a comprehension inside another's body runs once per
 * outer element, so over event data its cost is the product of two sizes that one 256 KiB event
 * makes far larger than any budget. Such nesting is refused (nesting over literal lists is allowed
 * while their product fits), and so is a literal `matches()` pattern that RE2 does not accept.
 */
export function checkStaticCost(root: unknown, budget: number, source: string): void {
  walk(root, { dynamic: 0, literal: 1 }, undefined, budget, source);
}

interface Node {
  op: string;
  args: unknown;
  start: number;
  end: number;
  meta: { alternate?: unknown };
}

/** How many times the current node runs: `dynamic` loops over data of unknown size, times `literal`. */
interface Repeats {
  dynamic: number;
  literal: number;
}

function walk(value: unknown, repeats: Repeats, outer: Node | undefined, budget: number, source: string): void {
  if (Array.isArray(value)) return value.forEach((item) => walk(item, repeats, outer, budget, source));
  if (!isNode(value)) return;
  if (value.meta.alternate) return walk(value.meta.alternate, repeats, outer, budget, source);
  if (value.op === 'comprehension') {
    const args = value.args as { iterable: unknown; init: unknown; step: unknown };
    walk(args.iterable, repeats, outer, budget, source);
    walk(args.init, repeats, outer, budget, source);
    const size = isNode(args.iterable) && args.iterable.op === 'list' && Array.isArray(args.iterable.args) ? args.iterable.args.length : undefined;
    const inner: Repeats = size === undefined ? { dynamic: repeats.dynamic + 1, literal: repeats.literal } : { dynamic: repeats.dynamic, literal: repeats.literal * size };
    if (outer && (inner.dynamic >= 2 || inner.literal > budget)) {
      throw new Error(`nested comprehensions: "${textOf(value, source)}" runs once for every element of "${textOf(outer, source)}", so it costs the product of the two lists' sizes, `
        + `more than the budget of ${budget} units for an event of any size: rewrite it without nesting (a map lookup instead of the inner list), or move the work into a step`);
    }
    return walk(args.step, inner, value, budget, source);
  }
  if (value.op === 'rcall' && Array.isArray(value.args) && value.args[0] === 'matches') {
    const pattern = (value.args[2] as unknown[] | undefined)?.[0];
    if (isNode(pattern) && pattern.op === 'value' && typeof pattern.args === 'string') compilePattern(pattern.args);
  }
  walk(value.args, repeats, outer, budget, source);
}

/** AST nodes under `root` (macro expansions counted as expanded), with an explicit stack. */
export function nodeCount(root: unknown): number {
  let count = 0;
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (Array.isArray(value)) pending.push(...(value as unknown[]));
    else if (isNode(value)) {
      if (value.meta.alternate) {
        pending.push(value.meta.alternate);
        continue;
      }
      count += 1;
      if (value.op === 'comprehension') {
        const args = value.args as { iterable: unknown; init: unknown; step: unknown };
        pending.push(args.iterable, args.init, args.step);
      } else pending.push(value.args);
    }
  }
  return count;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { op?: unknown }).op === 'string' && 'meta' in value && 'args' in value;
}

function textOf(node: Node, source: string): string {
  const text = source.slice(node.start, node.end);
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}
