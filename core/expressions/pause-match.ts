import type { IndexedPause, PauseKey } from '../ports/pause-index';
import type { Expression } from './expression';

/** PLACEHOLDER until the pause-index branch lands: no key, the whole expression as residual. */
export function planPauseMatch(
  expression: Expression | undefined, vars: { event: unknown; steps: Record<string, unknown> },
): { key?: PauseKey; residual?: IndexedPause['residual'] } {
  if (!expression) return {};
  return { residual: { source: expression.source, vars: { event: vars.event, steps: vars.steps } } };
}
