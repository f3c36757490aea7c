/** How deep step outputs (and events, SPEC section 2) may nest objects and lists. */
export const MAX_NESTING_DEPTH = 64;

/**
 * True when `value` nests objects or lists more than `limit` levels deep (`{}` is one level, a
 * scalar none). Iterative with an explicit stack, so a value nested 100,000 deep is checked safely.
 */
export function nestedDeeperThan(value: unknown, limit: number = MAX_NESTING_DEPTH): boolean {
  const pending: { item: object; depth: number }[] = [];
  if (typeof value === 'object' && value !== null) pending.push({ item: value, depth: 1 });
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (next.depth > limit) return true;
    for (const child of Array.isArray(next.item) ? next.item : Object.values(next.item)) {
      if (typeof child === 'object' && child !== null) pending.push({ item: child as object, depth: next.depth + 1 });
    }
  }
  return false;
}
