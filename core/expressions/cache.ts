import { compileExpression } from './cel';
import type { Expression } from './expression';

const LIMIT = 1024;
const cache = new Map<string, Expression>();

/** An expression compiled once per source (pause records carry their source, not a compiled form). */
export function cachedExpression(source: string): Expression {
  let compiled = cache.get(source);
  if (compiled) return compiled;
  compiled = compileExpression(source);
  if (cache.size >= LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(source, compiled);
  return compiled;
}
