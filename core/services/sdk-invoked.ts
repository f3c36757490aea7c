import type { StepstackEvent } from '../events/event';
import type { CompiledFunction } from '../functions/compiled';
import { INVOKED_EVENT } from '../sdk/plan-call';
import type { FunctionCatalog } from './function-catalog';

/** The function an `inngest/function.invoked` event names (`step.invoke`): it starts whatever its triggers say. */
export async function invokedFunctions(catalog: FunctionCatalog, event: StepstackEvent): Promise<CompiledFunction[]> {
  if (event.name !== INVOKED_EVENT) return [];
  const target = (event.data._inngest as { function_id?: unknown } | undefined)?.function_id;
  if (typeof target !== 'string') return [];
  return (await catalog.list()).filter((fn) => fn.id === target);
}
