import { compileFunction } from '../../core/functions/compile';
import type { CompiledFunction } from '../../core/functions/compiled';
import type { FunctionDefinition, StepDefinition } from '../../core/functions/definition';
import { validateFunction } from '../../core/functions/validate';

/** A validated function from a compact description; every step is an HTTP call to `baseUrl/<step>`. */
export function defineFunction(
  shape: { id?: string; triggers?: FunctionDefinition['triggers']; retries?: number; cancel?: FunctionDefinition['cancel'] },
  steps: Record<string, Omit<StepDefinition, 'runtime'> & { runtime?: StepDefinition['runtime'] }>,
  baseUrl = 'http://127.0.0.1:9/steps',
): FunctionDefinition {
  const raw = {
    id: shape.id ?? 'test-fn',
    name: shape.id ?? 'test-fn',
    triggers: shape.triggers ?? [{ event: 'test/go' }],
    ...(shape.retries === undefined ? {} : { retries: { attempts: shape.retries } }),
    ...(shape.cancel ? { cancel: shape.cancel } : {}),
    steps: Object.fromEntries(
      Object.entries(steps).map(([id, step]) => [id, { ...step, runtime: step.runtime ?? { type: 'http', url: `${baseUrl}/${id}` } }]),
    ),
  };
  return validateFunction(raw, 'test');
}

export function compile(...args: Parameters<typeof defineFunction>): CompiledFunction {
  return compileFunction(defineFunction(...args));
}
