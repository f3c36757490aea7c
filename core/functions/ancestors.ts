import type { CompiledFunction } from './compiled';
import { TRIGGER } from './definition';

const cache = new WeakMap<CompiledFunction, Map<string, string[]>>();

/**
 * The steps a step depends on, directly or not: whose outputs it reads as `steps` (SPEC section 4).
 * Computed once per step of a compiled function, parents first.
 */
export function ancestorsOf(fn: CompiledFunction, stepId: string): string[] {
  let known = cache.get(fn);
  if (!known) {
    known = new Map();
    cache.set(fn, known);
  }
  const cached = known.get(stepId);
  if (cached) return cached;
  const seen = new Set<string>();
  const stack = (fn.steps.get(stepId)?.after ?? []).map((edge) => edge.parent);
  while (stack.length > 0) {
    const parent = stack.pop()!;
    if (parent === TRIGGER || seen.has(parent)) continue;
    seen.add(parent);
    for (const edge of fn.steps.get(parent)?.after ?? []) stack.push(edge.parent);
  }
  const ancestors = [...seen];
  known.set(stepId, ancestors);
  return ancestors;
}
